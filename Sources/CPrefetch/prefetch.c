// SPDX-License-Identifier: Apache-2.0
// The hint is inline in include/CPrefetch.h; SwiftPM builds a C target from at least one source.
#include "CPrefetch.h"
