#!/usr/bin/env bash
# Prints jobstatusd@.service, the template unit for several instances on one host,
# derived from jobstatusd.service so that the two never drift. Instance NAME reads
# /etc/jobstatusd/NAME.yaml (and NAME.secrets.env), and runs with instance=NAME,
# which goes into its default transaction.id: instances never fence each other.
#   deploy/template-unit.sh > /etc/systemd/system/jobstatusd@.service
#   systemctl enable --now jobstatusd@eu.service jobstatusd@us.service
set -euo pipefail
unit="$(dirname "$0")/jobstatusd.service"
grep -q '^ExecStart=.*--config /etc/jobstatusd/jobstatusd.yaml$' "$unit" || { echo "template-unit.sh: unexpected ExecStart in $unit" >&2; exit 1; }
echo "# jobstatusd@NAME: one of several instances on this host (generated from"
echo "# jobstatusd.service by deploy/template-unit.sh; edit that one). Configuration"
echo "# in /etc/jobstatusd/NAME.yaml, secrets in /etc/jobstatusd/NAME.secrets.env."
# The unit's leading comment (about the single instance) is replaced by the lines above;
# every comment below [Unit] stays.
sed -e '1,/^\[Unit\]$/{/^#/d}' \
    -e 's/^\(Description=.*\)$/\1 (instance %i)/' \
    -e 's|--config /etc/jobstatusd/jobstatusd.yaml$|--config /etc/jobstatusd/%i.yaml|' \
    -e 's|^EnvironmentFile=-/etc/jobstatusd/secrets.env$|EnvironmentFile=-/etc/jobstatusd/%i.secrets.env\nEnvironment=JOBSTATUSD_INSTANCE=%i|' \
    "$unit"
