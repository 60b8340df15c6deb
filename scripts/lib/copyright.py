#!/usr/bin/env python3
"""deploy/debian/copyright, generated from what /usr/bin/jobstatusd links.

  copyright.py                 rewrites deploy/debian/copyright
  copyright.py --check [FILE]  exits 1 naming each missing, stale or extra stanza of FILE
                               (default deploy/debian/copyright); scripts/test and
                               scripts/package run it
  copyright.py --list          the linked packages and the modules that pull them in

scripts/package builds jobstatusd with --static-swift-stdlib: the binary carries the Swift
runtime, libdispatch and Foundation from the toolchain, and every module of every Swift
package that the jobstatusd executable product links. The file has one stanza per such
package, read from its resolved checkout (.build/checkouts/NAME): the license from its
LICENSE file, the copyright lines of its LICENSE and NOTICE files and the holders named in
the headers of the linked modules' sources, and its NOTICE file itself, which section 4(d)
of the Apache License asks redistributors of the object code to carry. A dependency that
comes in with a new version or a new Package.swift line gets a stanza the next time this
runs; the check fails until the file is rewritten and committed.

Which packages are linked is read from the resolved graph, never listed here:
`swift package show-dependencies --format json` gives the resolved packages (checkout path,
enabled traits) and `swift package dump-package` each one's manifest. From the root's
jobstatusd product this follows the target and product dependencies whose condition holds
on Linux with the enabled traits, through library products. Test targets, plugins, macros,
and executables of dependencies are not linked: packages that only tests or other products
use (swift-property-based; async-http-client through HummingbirdTesting; swift-nio-ssl
through HummingbirdTLS) have no stanza. Needs the checkouts: run it after `swift build`.

The toolchain's part (RUNTIME below) is written by hand from the Swift 6.3 sources
(swiftlang/swift, swift-corelibs-libdispatch, swift-corelibs-foundation, swift-foundation,
swift-foundation-icu at swift-6.3.1-RELEASE); this checks that the toolchain's own
LICENSE.txt is still Apache-2.0 with the Runtime Library Exception, and includes Foundation
(and ICU) only when a linked module imports it.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "deploy/debian/copyright"
PRODUCT = "jobstatusd"
PLATFORM = "linux"
COMMON_APACHE = Path("/usr/share/common-licenses/Apache-2.0")
REWRITE = "python3 scripts/lib/copyright.py"

# Third-party code inside a linked module that has no LICENSE file of its own next to it
# (a LICENSE file in a module's directory gets its own stanza by itself).
# (package identity, module directory) -> stanza fields.
VENDORED = {
    ("yams", "Sources/CYaml"): {
        "Copyright": ["2006-2016 Kirill Simonov", "2017-2020 Ingy döt Net"],
        "License": "Expat",
        "Comment": "libyaml, the YAML parser in C that Yams carries (its README: \"Both Yams and "
                   "libYAML are MIT licensed\"); the copyright lines are those of libyaml's "
                   "License file, which the copy leaves out.",
    },
}

# Markers of another license than the package's own in a linked module's files: a file with
# license text must be covered by a stanza of its own (VENDORED, or a LICENSE file next to it);
# an SPDX-License-Identifier other than the package's adds that license to the package's stanza.
FOREIGN_LICENSE = re.compile(
    r"Permission is hereby granted|Redistribution and use in source and binary forms"
    r"|Permission to use, copy, modify|GNU (?:Lesser |Library )?General Public License|Mozilla Public License")
SPDX = re.compile(r"SPDX-License-Identifier:\s*(.+?)\s*(?:\*/\s*)?$", re.M)
SPDX_NAMES = {
    "Apache-2.0": "Apache-2.0",
    "Apache-2.0 WITH Swift-exception": "Apache-2.0 with Runtime Library Exception",
    "Apache-2.0 WITH LLVM-exception": "Apache-2.0 with LLVM exception",
    "MIT": "Expat",
}

RLE_TEXT = """\
As an exception, if you use this Software to compile your source code and
portions of this Software are embedded into the binary product as a result,
you may redistribute such product without providing attribution as would
otherwise be required by Sections 4(a), 4(b) and 4(d) of the License."""

APACHE_NOTICE = """\
Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    https://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

On Debian systems, the complete text of the Apache License, Version 2.0
can be found in "/usr/share/common-licenses/Apache-2.0"."""

EXPAT_TEXT = """\
Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""

# The License paragraphs, in the order they are written; only those a stanza names are.
LICENSES = {
    "Apache-2.0": APACHE_NOTICE,
    "Apache-2.0 with Runtime Library Exception": APACHE_NOTICE + """

Runtime Library Exception to the Apache 2.0 License:

""" + RLE_TEXT,
    "Apache-2.0 with LLVM exception": APACHE_NOTICE + """

---- LLVM Exceptions to the Apache 2.0 License ----

As an exception, if, as a result of your compiling your source code, portions
of this Software are embedded into an Object form of such source code, you
may redistribute such embedded portions in such Object form without complying
with the conditions of Sections 4(a), 4(b) and 4(d) of the License.

In addition, if you combine or link compiled forms of this Software with
software that is licensed under the GPLv2 ("Combined Software") and if a
court of competent jurisdiction determines that the patent provision (Section
3), the indemnity provision (Section 9) or other Section of the License
conflicts with the conditions of the GPLv2, you may retroactively and
prospectively choose to deem waived or otherwise exclude such Section(s) of
the License, but only in their entirety and only with respect to the Combined
Software.""",
    "Expat": EXPAT_TEXT,
    "BSD-2-Clause": """\
Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are
met:

1. Redistributions of source code must retain the above copyright
   notice, this list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright
   notice, this list of conditions and the following disclaimer in the
   documentation and/or other materials provided with the distribution.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS
IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED
TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A
PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT
HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED
TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR
PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF
LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING
NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.""",
    "BSD-3-clause-uuid": """\
Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions
are met:
1. Redistributions of source code must retain the above copyright
   notice, and the entire permission notice in its entirety,
   including the disclaimer of warranties.
2. Redistributions in binary form must reproduce the above copyright
   notice, this list of conditions and the following disclaimer in the
   documentation and/or other materials provided with the distribution.
3. The name of the author may not be used to endorse or promote
   products derived from this software without specific prior
   written permission.

THIS SOFTWARE IS PROVIDED ``AS IS'' AND ANY EXPRESS OR IMPLIED
WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES
OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE, ALL OF
WHICH ARE HEREBY DISCLAIMED.  IN NO EVENT SHALL THE AUTHOR BE
LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT
OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR
BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF
LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
(INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE
USE OF THIS SOFTWARE, EVEN IF NOT ADVISED OF THE POSSIBILITY OF SUCH
DAMAGE.""",
    "Unicode-ConvertUTF": """\
Disclaimer

This source code is provided as is by Unicode, Inc. No claims are
made as to fitness for any particular purpose. No warranties of any
kind are expressed or implied. The recipient agrees to determine
applicability of information provided. If this file has been
purchased on magnetic or optical media from Unicode, Inc., the
sole remedy for any claim will be exchange of defective media
within 90 days of receipt.

Limitations on Rights to Redistribute This Code

Unicode, Inc. hereby grants the right to freely use the information
supplied in this file in the creation of products supporting the
Unicode Standard, and to make copies of this file in any form
for internal or external distribution as long as this notice
remains attached.""",
    # ICU's LICENSE file, its first section.
    "Unicode-3.0": """\
UNICODE LICENSE V3

COPYRIGHT AND PERMISSION NOTICE

Copyright © 2016-2024 Unicode, Inc.

NOTICE TO USER: Carefully read the following legal agreement. BY
DOWNLOADING, INSTALLING, COPYING OR OTHERWISE USING DATA FILES, AND/OR
SOFTWARE, YOU UNEQUIVOCALLY ACCEPT, AND AGREE TO BE BOUND BY, ALL OF THE
TERMS AND CONDITIONS OF THIS AGREEMENT. IF YOU DO NOT AGREE, DO NOT
DOWNLOAD, INSTALL, COPY, DISTRIBUTE OR USE THE DATA FILES OR SOFTWARE.

Permission is hereby granted, free of charge, to any person obtaining a
copy of data files and any associated documentation (the "Data Files") or
software and any associated documentation (the "Software") to deal in the
Data Files or Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, and/or sell
copies of the Data Files or Software, and to permit persons to whom the
Data Files or Software are furnished to do so, provided that either (a)
this copyright and permission notice appear with all copies of the Data
Files or Software, or (b) this copyright and permission notice appear in
associated Documentation.

THE DATA FILES AND SOFTWARE ARE PROVIDED "AS IS", WITHOUT WARRANTY OF ANY
KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT OF
THIRD PARTY RIGHTS.

IN NO EVENT SHALL THE COPYRIGHT HOLDER OR HOLDERS INCLUDED IN THIS NOTICE
BE LIABLE FOR ANY CLAIM, OR ANY SPECIAL INDIRECT OR CONSEQUENTIAL DAMAGES,
OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS,
WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION,
ARISING OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THE DATA
FILES OR SOFTWARE.

Except as contained in this notice, the name of a copyright holder shall
not be used in advertising or otherwise to promote the sale, use or other
dealings in these Data Files or Software without prior written
authorization of the copyright holder.

SPDX-License-Identifier: Unicode-3.0""",
    # ICU's LICENSE file, its "Third-Party Software Licenses" section up to Google
    # double-conversion; the rest (nlohmann/json, aclocal.m4, config.guess, install-sh)
    # concerns ICU's tools, tests and build scripts, none of which is in the library.
    "ICU-third-party": """\
Third-Party Software Licenses

This section contains third-party software notices and/or additional
terms for licensed third-party software components included within ICU
libraries.

----------------------------------------------------------------------

ICU License - ICU 1.8.1 to ICU 57.1

COPYRIGHT AND PERMISSION NOTICE

Copyright (c) 1995-2016 International Business Machines Corporation and others
All rights reserved.

Permission is hereby granted, free of charge, to any person obtaining
a copy of this software and associated documentation files (the
"Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish,
distribute, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, provided that the above
copyright notice(s) and this permission notice appear in all copies of
the Software and that both the above copyright notice(s) and this
permission notice appear in supporting documentation.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT
OF THIRD PARTY RIGHTS. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR
HOLDERS INCLUDED IN THIS NOTICE BE LIABLE FOR ANY CLAIM, OR ANY
SPECIAL INDIRECT OR CONSEQUENTIAL DAMAGES, OR ANY DAMAGES WHATSOEVER
RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF
CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN
CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

Except as contained in this notice, the name of a copyright holder
shall not be used in advertising or otherwise to promote the sale, use
or other dealings in this Software without prior written authorization
of the copyright holder.

All trademarks and registered trademarks mentioned herein are the
property of their respective owners.

----------------------------------------------------------------------

Chinese/Japanese Word Break Dictionary Data (cjdict.txt)

 #     The Google Chrome software developed by Google is licensed under
 # the BSD license. Other software included in this distribution is
 # provided under other licenses, as set forth below.
 #
 #  The BSD License
 #  http://opensource.org/licenses/bsd-license.php
 #  Copyright (C) 2006-2008, Google Inc.
 #
 #  All rights reserved.
 #
 #  Redistribution and use in source and binary forms, with or without
 # modification, are permitted provided that the following conditions are met:
 #
 #  Redistributions of source code must retain the above copyright notice,
 # this list of conditions and the following disclaimer.
 #  Redistributions in binary form must reproduce the above
 # copyright notice, this list of conditions and the following
 # disclaimer in the documentation and/or other materials provided with
 # the distribution.
 #  Neither the name of  Google Inc. nor the names of its
 # contributors may be used to endorse or promote products derived from
 # this software without specific prior written permission.
 #
 #
 #  THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND
 # CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES,
 # INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
 # MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
 # DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT OWNER OR CONTRIBUTORS BE
 # LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
 # CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
 # SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR
 # BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF
 # LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING
 # NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
 # SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
 #
 #
 #  The word list in cjdict.txt are generated by combining three word lists
 # listed below with further processing for compound word breaking. The
 # frequency is generated with an iterative training against Google web
 # corpora.
 #
 #  * Libtabe (Chinese)
 #    - https://sourceforge.net/project/?group_id=1519
 #    - Its license terms and conditions are shown below.
 #
 #  * IPADIC (Japanese)
 #    - http://chasen.aist-nara.ac.jp/chasen/distribution.html
 #    - Its license terms and conditions are shown below.
 #
 #  ---------COPYING.libtabe ---- BEGIN--------------------
 #
 #  /*
 #   * Copyright (c) 1999 TaBE Project.
 #   * Copyright (c) 1999 Pai-Hsiang Hsiao.
 #   * All rights reserved.
 #   *
 #   * Redistribution and use in source and binary forms, with or without
 #   * modification, are permitted provided that the following conditions
 #   * are met:
 #   *
 #   * . Redistributions of source code must retain the above copyright
 #   *   notice, this list of conditions and the following disclaimer.
 #   * . Redistributions in binary form must reproduce the above copyright
 #   *   notice, this list of conditions and the following disclaimer in
 #   *   the documentation and/or other materials provided with the
 #   *   distribution.
 #   * . Neither the name of the TaBE Project nor the names of its
 #   *   contributors may be used to endorse or promote products derived
 #   *   from this software without specific prior written permission.
 #   *
 #   * THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
 #   * "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
 #   * LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS
 #   * FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
 #   * REGENTS OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT,
 #   * INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
 #   * (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
 #   * SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
 #   * HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT,
 #   * STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
 #   * ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED
 #   * OF THE POSSIBILITY OF SUCH DAMAGE.
 #   */
 #
 #  /*
 #   * Copyright (c) 1999 Computer Systems and Communication Lab,
 #   *                    Institute of Information Science, Academia
 #       *                    Sinica. All rights reserved.
 #   *
 #   * Redistribution and use in source and binary forms, with or without
 #   * modification, are permitted provided that the following conditions
 #   * are met:
 #   *
 #   * . Redistributions of source code must retain the above copyright
 #   *   notice, this list of conditions and the following disclaimer.
 #   * . Redistributions in binary form must reproduce the above copyright
 #   *   notice, this list of conditions and the following disclaimer in
 #   *   the documentation and/or other materials provided with the
 #   *   distribution.
 #   * . Neither the name of the Computer Systems and Communication Lab
 #   *   nor the names of its contributors may be used to endorse or
 #   *   promote products derived from this software without specific
 #   *   prior written permission.
 #   *
 #   * THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
 #   * "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
 #   * LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS
 #   * FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
 #   * REGENTS OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT,
 #   * INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
 #   * (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
 #   * SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
 #   * HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT,
 #   * STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
 #   * ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED
 #   * OF THE POSSIBILITY OF SUCH DAMAGE.
 #   */
 #
 #  Copyright 1996 Chih-Hao Tsai @ Beckman Institute,
 #      University of Illinois
 #  c-tsai4@uiuc.edu  http://casper.beckman.uiuc.edu/~c-tsai4
 #
 #  ---------------COPYING.libtabe-----END--------------------------------
 #
 #
 #  ---------------COPYING.ipadic-----BEGIN-------------------------------
 #
 #  Copyright 2000, 2001, 2002, 2003 Nara Institute of Science
 #  and Technology.  All Rights Reserved.
 #
 #  Use, reproduction, and distribution of this software is permitted.
 #  Any copy of this software, whether in its original form or modified,
 #  must include both the above copyright notice and the following
 #  paragraphs.
 #
 #  Nara Institute of Science and Technology (NAIST),
 #  the copyright holders, disclaims all warranties with regard to this
 #  software, including all implied warranties of merchantability and
 #  fitness, in no event shall NAIST be liable for
 #  any special, indirect or consequential damages or any damages
 #  whatsoever resulting from loss of use, data or profits, whether in an
 #  action of contract, negligence or other tortuous action, arising out
 #  of or in connection with the use or performance of this software.
 #
 #  A large portion of the dictionary entries
 #  originate from ICOT Free Software.  The following conditions for ICOT
 #  Free Software applies to the current dictionary as well.
 #
 #  Each User may also freely distribute the Program, whether in its
 #  original form or modified, to any third party or parties, PROVIDED
 #  that the provisions of Section 3 ("NO WARRANTY") will ALWAYS appear
 #  on, or be attached to, the Program, which is distributed substantially
 #  in the same form as set out herein and that such intended
 #  distribution, if actually made, will neither violate or otherwise
 #  contravene any of the laws and regulations of the countries having
 #  jurisdiction over the User or the intended distribution itself.
 #
 #  NO WARRANTY
 #
 #  The program was produced on an experimental basis in the course of the
 #  research and development conducted during the project and is provided
 #  to users as so produced on an experimental basis.  Accordingly, the
 #  program is provided without any warranty whatsoever, whether express,
 #  implied, statutory or otherwise.  The term "warranty" used herein
 #  includes, but is not limited to, any warranty of the quality,
 #  performance, merchantability and fitness for a particular purpose of
 #  the program and the nonexistence of any infringement or violation of
 #  any right of any third party.
 #
 #  Each user of the program will agree and understand, and be deemed to
 #  have agreed and understood, that there is no warranty whatsoever for
 #  the program and, accordingly, the entire risk arising from or
 #  otherwise connected with the program is assumed by the user.
 #
 #  Therefore, neither ICOT, the copyright holder, or any other
 #  organization that participated in or was otherwise related to the
 #  development of the program and their respective officials, directors,
 #  officers and other employees shall be held liable for any and all
 #  damages, including, without limitation, general, special, incidental
 #  and consequential damages, arising out of or otherwise in connection
 #  with the use or inability to use the program or any product, material
 #  or result produced or otherwise obtained by using the program,
 #  regardless of whether they have been advised of, or otherwise had
 #  knowledge of, the possibility of such damages at any time during the
 #  project or thereafter.  Each user will be deemed to have agreed to the
 #  foregoing by his or her commencement of use of the program.  The term
 #  "use" as used herein includes, but is not limited to, the use,
 #  modification, copying and distribution of the program and the
 #  production of secondary products from the program.
 #
 #  In the case where the program, whether in its original form or
 #  modified, was distributed or delivered to or received by a user from
 #  any person, organization or entity other than ICOT, unless it makes or
 #  grants independently of ICOT any specific warranty to the user in
 #  writing, such person, organization or entity, will also be exempted
 #  from and not be held liable to the user for any such damages as noted
 #  above as far as the program is concerned.
 #
 #  ---------------COPYING.ipadic-----END----------------------------------

----------------------------------------------------------------------

Lao Word Break Dictionary Data (laodict.txt)

 # Copyright (C) 2016 and later: Unicode, Inc. and others.
 # License & terms of use: http://www.unicode.org/copyright.html
 # Copyright (c) 2015 International Business Machines Corporation
 # and others. All Rights Reserved.
 #
 # Project: https://github.com/rober42539/lao-dictionary
 # Dictionary: https://github.com/rober42539/lao-dictionary/laodict.txt
 # License: https://github.com/rober42539/lao-dictionary/LICENSE.txt
 #          (copied below)
 #
 # This file is derived from the above dictionary version of Nov 22, 2020
 #  ----------------------------------------------------------------------
 #  Copyright (C) 2013 Brian Eugene Wilson, Robert Martin Campbell.
 #  All rights reserved.
 #
 #  Redistribution and use in source and binary forms, with or without
 #  modification, are permitted provided that the following conditions are met:
 #
 #  Redistributions of source code must retain the above copyright notice, this
 #  list of conditions and the following disclaimer. Redistributions in binary
 #  form must reproduce the above copyright notice, this list of conditions and
 #  the following disclaimer in the documentation and/or other materials
 #  provided with the distribution.
 #
 # THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
 # "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
 # LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS
 # FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
 # COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT,
 # INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
 # (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
 # SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
 # HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT,
 # STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
 # ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED
 # OF THE POSSIBILITY OF SUCH DAMAGE.
 #  --------------------------------------------------------------------------

----------------------------------------------------------------------

Burmese Word Break Dictionary Data (burmesedict.txt)

 #  Copyright (c) 2014 International Business Machines Corporation
 #  and others. All Rights Reserved.
 #
 #  This list is part of a project hosted at:
 #    github.com/kanyawtech/myanmar-karen-word-lists
 #
 #  --------------------------------------------------------------------------
 #  Copyright (c) 2013, LeRoy Benjamin Sharon
 #  All rights reserved.
 #
 #  Redistribution and use in source and binary forms, with or without
 #  modification, are permitted provided that the following conditions
 #  are met: Redistributions of source code must retain the above
 #  copyright notice, this list of conditions and the following
 #  disclaimer.  Redistributions in binary form must reproduce the
 #  above copyright notice, this list of conditions and the following
 #  disclaimer in the documentation and/or other materials provided
 #  with the distribution.
 #
 #    Neither the name Myanmar Karen Word Lists, nor the names of its
 #    contributors may be used to endorse or promote products derived
 #    from this software without specific prior written permission.
 #
 #  THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND
 #  CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES,
 #  INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
 #  MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
 #  DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS
 #  BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
 #  EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED
 #  TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
 #  DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON
 #  ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR
 #  TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF
 #  THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF
 #  SUCH DAMAGE.
 #  --------------------------------------------------------------------------

----------------------------------------------------------------------

Time Zone Database

  ICU uses the public domain data and code derived from Time Zone
Database for its time zone support. The ownership of the TZ database
is explained in BCP 175: Procedure for Maintaining the Time Zone
Database section 7.

 # 7.  Database Ownership
 #
 #    The TZ database itself is not an IETF Contribution or an IETF
 #    document.  Rather it is a pre-existing and regularly updated work
 #    that is in the public domain, and is intended to remain in the
 #    public domain.  Therefore, BCPs 78 [RFC5378] and 79 [RFC3979] do
 #    not apply to the TZ Database or contributions that individuals make
 #    to it.  Should any claims be made and substantiated against the TZ
 #    Database, the organization that is providing the IANA
 #    Considerations defined in this RFC, under the memorandum of
 #    understanding with the IETF, currently ICANN, may act in accordance
 #    with all competent court orders.  No ownership claims will be made
 #    by ICANN or the IETF Trust on the database or the code.  Any person
 #    making a contribution to the database or code waives all rights to
 #    future claims in that contribution or in the TZ Database.

----------------------------------------------------------------------

Google double-conversion

Copyright 2006-2011, the V8 project authors. All rights reserved.
Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are
met:

    * Redistributions of source code must retain the above copyright
      notice, this list of conditions and the following disclaimer.
    * Redistributions in binary form must reproduce the above
      copyright notice, this list of conditions and the following
      disclaimer in the documentation and/or other materials provided
      with the distribution.
    * Neither the name of Google Inc. nor the names of its
      contributors may be used to endorse or promote products derived
      from this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
"AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR
A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT
OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT
LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY
THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
(INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
""",
}

# The toolchain's libraries that --static-swift-stdlib links (usr/lib/swift_static/linux in
# the toolchain), in DEP-5 order: a later stanza wins over an earlier one for a file both match.
RUNTIME = [
    {
        "Files": ["usr/lib/swift_static/linux/libswift*.a"],
        "Copyright": ["Apple Inc. and the Swift project authors", "the LLVM Project contributors"],
        "License": "Apache-2.0 with Runtime Library Exception and Apache-2.0 with LLVM exception",
        "Comment": "The Swift standard library and runtime (swiftlang/swift; _StringProcessing and "
                   "_RegexParser from swiftlang/swift-experimental-string-processing), from the "
                   "Swift toolchain: swift build --static-swift-stdlib links them into "
                   "/usr/bin/jobstatusd. The runtime carries part of LLVM's Support library "
                   "(stdlib/public/LLVMSupport), Apache-2.0 with LLVM exception.",
    },
    {
        "Files": ["usr/lib/swift_static/linux/libdispatch.a",
                  "usr/lib/swift_static/linux/libBlocksRuntime.a",
                  "usr/lib/swift_static/linux/libswiftDispatch.a"],
        "Copyright": ["Apple Inc. and the Swift project authors"],
        "License": "Apache-2.0 with Runtime Library Exception",
        "Comment": "libdispatch, its BlocksRuntime and its Swift overlay "
                   "(swiftlang/swift-corelibs-libdispatch), from the Swift toolchain.",
    },
    {
        "when": "Foundation",
        "Files": ["usr/lib/swift_static/linux/libFoundation.a",
                  "usr/lib/swift_static/linux/libFoundationEssentials.a",
                  "usr/lib/swift_static/linux/libFoundationInternationalization.a",
                  "usr/lib/swift_static/linux/libCoreFoundation.a",
                  "usr/lib/swift_static/linux/lib_FoundationCShims.a",
                  "usr/lib/swift_static/linux/lib_FoundationCollections.a"],
        "Copyright": ["Apple Inc. and the Swift project authors",
                      "2004 Apple Computer, Inc.",
                      "2001 Unicode, Inc.",
                      "2015-2016 Wojciech Muła, Alfred Klomp, Daniel Lemire",
                      "2016 Nick Galbreath",
                      "Fabian Fett"],
        "License": "Apache-2.0 with Runtime Library Exception and BSD-3-clause-uuid and "
                   "Unicode-ConvertUTF and BSD-2-Clause and Expat and Apache-2.0",
        "Comment": "Foundation (swiftlang/swift-corelibs-foundation and swiftlang/swift-foundation), "
                   "from the Swift toolchain, linked because a linked module imports Foundation. "
                   "Apache-2.0 with Runtime Library Exception but for: uuid.c in CoreFoundation and "
                   "in _FoundationCShims (2004 Apple Computer, Inc., BSD-3-clause-uuid); the UTF-8 "
                   "conversion in CoreFoundation's CFUniChar.c, derived from Unicode's ConvertUTF.c "
                   "(2001 Unicode, Inc., Unicode-ConvertUTF); and, as swift-foundation's NOTICE.txt "
                   "says, its Base64 code, derived from Fabian Fett's Base64.swift (swift-extras-base64, "
                   "Apache-2.0), Daniel Lemire's chromiumbase64 in fastbase64 (BSD-2-Clause) and "
                   "Nick Galbreath's base64 in stringencoders (Expat).",
    },
    {
        "when": "Foundation",
        "Files": ["usr/lib/swift_static/linux/lib_FoundationICU.a"],
        "Copyright": ["2016 and later Unicode, Inc. and others",
                      "1995-2016 International Business Machines Corporation and others",
                      "2006-2008 Google Inc.",
                      "1999 TaBE Project",
                      "1999 Pai-Hsiang Hsiao",
                      "1999 Computer Systems and Communication Lab, Institute of Information "
                      "Science, Academia Sinica",
                      "1996 Chih-Hao Tsai @ Beckman Institute, University of Illinois",
                      "2000, 2001, 2002, 2003 Nara Institute of Science and Technology",
                      "2013 Brian Eugene Wilson, Robert Martin Campbell",
                      "2013 LeRoy Benjamin Sharon",
                      "2006-2012 the V8 project authors",
                      "Apple Inc.",
                      "Apple Inc. and the Swift project authors"],
        "License": "Unicode-3.0 and ICU-third-party and Apache-2.0 with Runtime Library Exception",
        "Comment": "ICU (ICU4C and its data, with the break dictionaries), as "
                   "swiftlang/swift-foundation-icu carries it for FoundationInternationalization, "
                   "from the Swift toolchain. The ICU code and data keep ICU's terms (\"© 2016 and "
                   "later: Unicode, Inc. and others. License & terms of use: "
                   "http://www.unicode.org/copyright.html\"), given in full below, and some files Apple "
                   "added to ICU name Apple Inc. as their holder; swift-foundation-icu's own files "
                   "and its LICENSE.md are the Swift project's Apache-2.0 with Runtime Library "
                   "Exception.",
    },
]


def die(message):
    sys.exit(f"copyright.py: {message}")


def normalized(text):
    return " ".join(text.replace("\ufeff", "").split())


def swift_package(*args, package=ROOT):
    """`swift package ARGS` in PACKAGE, its standard output parsed as JSON."""
    with tempfile.TemporaryDirectory() as scratch:
        # A checkout is read only: its manifest is evaluated with a throw-away scratch path.
        scratch_args = [] if package == ROOT else ["--scratch-path", scratch]
        command = ["swift", "package", "--package-path", str(package), *scratch_args, *args]
        result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        die(f"{' '.join(command)} failed:\n{result.stderr.strip()}")
    return json.loads(result.stdout)


class Package:
    def __init__(self, node):
        self.identity = node["identity"]
        self.name = node["name"]
        self.url = node["url"]
        self.path = Path(node["path"])
        self.requested_traits = set(node.get("traits") or [])
        self.children = []
        self._manifest = None

    @property
    def manifest(self):
        if self._manifest is None:
            self._manifest = swift_package("dump-package", package=self.path)
        return self._manifest

    @property
    def traits(self):
        """The enabled traits: show-dependencies names them with "default" unexpanded."""
        declared = {trait["name"]: trait.get("enabledTraits") or [] for trait in self.manifest.get("traits") or []}
        enabled, todo = set(), list(self.requested_traits)
        while todo:
            trait = todo.pop()
            if trait not in enabled:
                enabled.add(trait)
                todo.extend(declared.get(trait, []))
        return enabled

    def target(self, name):
        for target in self.manifest["targets"]:
            if target["name"] == name:
                return target
        return None

    def product(self, name):
        for product in self.manifest["products"]:
            if product["name"] == name:
                return product
        return None

    def dependency(self, name):
        """The resolved package a `.product(name:package:)` of this manifest names."""
        key = name.lower()
        for child in self.children:
            if key in (child.identity, child.name.lower()):
                return child
        for declared in self.manifest["dependencies"]:
            (info,) = next(iter(declared.values()))
            if (info.get("nameForTargetDependencyResolutionOnly") or "").lower() == key:
                return next(child for child in self.children if child.identity == info["identity"])
        die(f"{self.identity}: no resolved dependency named {name}")

    def target_path(self, target):
        if target.get("path"):
            return self.path / target["path"]
        for directory in ("Sources", "Source", "src", "srcs"):
            if (self.path / directory / target["name"]).is_dir():
                return self.path / directory / target["name"]
        die(f"{self.identity}: no directory for target {target['name']}")


def resolved_graph():
    """The root Package, every Package by identity."""
    tree = swift_package("show-dependencies", "--format", "json")
    packages = {}

    def visit(node):
        package = packages.get(node["identity"])
        if package is None:
            package = packages[node["identity"]] = Package(node)
            package.children = [visit(child) for child in node["dependencies"]]
        return package

    return visit(tree), packages


def condition_holds(condition, package):
    if not condition:
        return True
    platforms = condition.get("platformNames") or []
    if platforms and PLATFORM not in platforms:
        return False
    traits = condition.get("traits") or []
    return not traits or bool(set(traits) & package.traits)


def linked_modules(root):
    """{Package: [target, ...]} of what the PRODUCT executable links, and its system libraries."""
    linked, system, seen = {}, [], set()

    def visit_product(package, name):
        product = package.product(name)
        if product is None:
            die(f"{package.identity} has no product {name}")
        if "library" not in product["type"] and package is not root:
            return  # an executable, plugin or macro of a dependency is a tool, not linked
        for target in product["targets"]:
            visit_target(package, target)

    def visit_target(package, name):
        if (package.identity, name) in seen:
            return
        seen.add((package.identity, name))
        target = package.target(name)
        kind = target["type"]
        if kind in ("test", "plugin", "macro") or (kind == "executable" and package is not root):
            return
        if kind == "system":
            system.append((package, target))
        else:
            linked.setdefault(package, []).append(target)
        for dependency in target["dependencies"]:
            (form, value), = dependency.items()
            if form == "target":
                if condition_holds(value[1], package):
                    visit_target(package, value[0])
            elif form == "product":
                if condition_holds(value[3], package):
                    visit_product(package.dependency(value[1]), value[0])
            elif form == "byName":
                if not condition_holds(value[1], package):
                    continue
                if package.target(value[0]) is not None:
                    visit_target(package, value[0])
                else:
                    owners = [child for child in package.children if child.product(value[0]) is not None]
                    if not owners:
                        die(f"{package.identity}: {name} depends on {value[0]}, which nothing provides")
                    owners.sort(key=lambda child: child.identity != value[0].lower())
                    visit_product(owners[0], value[0])
            else:
                die(f"{package.identity}: {name} has a dependency of a form this script does not know: {form}")

    visit_product(root, PRODUCT)
    return linked, system


def read_text(path):
    return path.read_text(encoding="utf-8", errors="replace")


def license_files(directory):
    return sorted(path for path in directory.iterdir()
                  if path.is_file() and re.match(r"(LICEN[CS]E|COPYING)([-._].*)?$", path.name, re.I))


def trimmed(holder):
    """HOLDER without a closing "." or "," (but "Apple Inc." keeps its)."""
    return re.sub(r"(?<!\bInc)(?<!\bLtd)(?<!\bCorp)(?<!\bCo)[.,]$", "", holder.strip()).strip()


def copyright_lines(lines):
    """The holders of the Copyright lines among LINES, "(c)" and "All rights reserved" left out."""
    holders = []
    for line in lines:
        match = re.match(r"\W*Copyright\s*(?:\((?:c|C)\)|©)?\s*(.+)", line)
        if match:
            holder = re.sub(r"\s*All rights reserved\.?\s*$", "", match.group(1).strip(), flags=re.I)
            holder = trimmed(holder)
            if holder and holder not in holders:
                holders.append(holder)
    return holders


def identify_license(path):
    """(DEP-5 short name, copyright lines) of a LICENSE file."""
    if not COMMON_APACHE.exists():
        die(f"{COMMON_APACHE} is missing (Debian's base-files ships it)")
    text = read_text(path)
    flat = normalized(text)
    apache = normalized(read_text(COMMON_APACHE))
    if flat.startswith(apache):
        rest = normalized(flat[len(apache):].replace("#", ""))
        if not rest:
            return "Apache-2.0", []
        if rest == normalized("Runtime Library Exception to the Apache 2.0 License: " + RLE_TEXT):
            return "Apache-2.0 with Runtime Library Exception", []
        die(f"{path}: the Apache License followed by text this script does not know: {rest[:120]}")
    expat = normalized(EXPAT_TEXT)
    if flat.endswith(expat):
        preamble = text[:text.index("Permission is hereby granted")].splitlines()
        holders = copyright_lines(preamble)
        others = [line.strip() for line in preamble if line.strip() and not re.match(
            r"\W*(Copyright\b|The MIT License|This software is licensed under the MIT License)", line.strip())]
        if holders and not others:
            return "Expat", holders
    die(f"{path}: a license this script does not know; add its text to LICENSES in scripts/lib/copyright.py")


def source_files(directory):
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.stat().st_size < 4_000_000:
            yield path


def header_holders(files):
    """Holders named in the copyright lines of FILES, without their years ("Copyright (c) 2017-2024
    Apple Inc. and the SwiftNIO project authors" gives "Apple Inc. and the SwiftNIO project
    authors"), the most frequent first."""
    counts, spelling = {}, {}
    # The years, if any, and an unfilled template's "YEARS" go.
    pattern = re.compile(r"^\W*Copyright\s*(?:\([cC]\)|©)(?:[\d\s,–-]|\bYEARS\b|\bYYYY\b)*([A-Za-z].*\S)")
    for path in files:
        for line in read_text(path).splitlines():
            match = pattern.match(line)
            if not match:
                continue
            holder = trimmed(re.sub(r"\s*All rights reserved\.?$", "", match.group(1), flags=re.I))
            if holder:
                key = holder.lower()
                spelling.setdefault(key, holder)
                counts[key] = counts.get(key, 0) + 1
    return [spelling[key] for key in sorted(counts, key=lambda key: (-counts[key], key))]


def files_pattern(path):
    return f"{path.relative_to(ROOT).as_posix()}/*" if path.is_relative_to(ROOT) else f"{path.as_posix()}/*"


def package_stanzas(package, targets):
    """The stanza of a linked package, then those of the third-party code in it."""
    licenses = license_files(package.path)
    if not licenses:
        die(f"{package.identity}: no LICENSE file in {package.path}")
    names, holders = [], []
    for path in licenses:
        short_name, lines = identify_license(path)
        names.append(short_name)
        holders += lines

    modules = sorted(target["name"] for target in targets)
    own_files, foreign, spdx_others, stanzas, covered = [], [], {}, [], []
    for name, directory in sorted((target["name"], package.target_path(target)) for target in targets):
        relative = directory.relative_to(package.path).as_posix()
        vendored = VENDORED.get((package.identity, relative))
        module_licenses = license_files(directory)
        if vendored:
            stanzas.append({"Files": [files_pattern(directory)], **vendored})
            covered.append(directory)
        elif module_licenses:
            module_names, module_holders = [], []
            for path in module_licenses:
                short_name, lines = identify_license(path)
                module_names.append(short_name)
                module_holders += [line for line in lines if line not in module_holders]
            if not module_holders:
                die(f"{module_licenses[0]}: no copyright line; add the module to VENDORED in scripts/lib/copyright.py")
            stanzas.append({
                "Files": [files_pattern(directory)],
                "Copyright": module_holders,
                "License": " and ".join(dict.fromkeys(module_names)),
                "Comment": f"Third-party code in {package.identity}'s module {name}, as "
                           f"{module_licenses[0].relative_to(package.path).as_posix()} gives it.",
            })
            covered.append(directory)
        else:
            for path in source_files(directory):
                own_files.append(path)
                text = read_text(path)
                shown = path.relative_to(package.path).as_posix()
                match = FOREIGN_LICENSE.search(text)
                if match:
                    foreign.append(f"{package.identity}: {shown}: \"{match.group(0)}\"")
                for identifier in SPDX.findall(text):
                    if identifier not in SPDX_NAMES:
                        foreign.append(f"{package.identity}: {shown}: SPDX-License-Identifier {identifier}")
                    elif SPDX_NAMES[identifier] not in names:
                        spdx_others.setdefault(SPDX_NAMES[identifier], []).append(shown)
    for identity, relative in VENDORED:
        if identity == package.identity and package.path / relative not in covered:
            die(f"VENDORED names {identity} {relative}, which is no linked module of {identity} any more")
    if foreign:
        die("third-party license text in a linked module, with no stanza of its own; give it one "
            "(VENDORED in scripts/lib/copyright.py, or a LICENSE file next to it):\n  " + "\n  ".join(foreign))

    notices = sorted(path for path in package.path.iterdir()
                     if path.is_file() and re.match(r"NOTICE(\..*)?$", path.name, re.I))
    for notice in notices:
        holders += copyright_lines(read_text(notice).splitlines())
    holders += header_holders(own_files)
    summary = (f"{package.name} ({package.url}), linked through its module{'s' if len(modules) > 1 else ''} "
               f"{', '.join(modules)}.")
    for other, files in sorted(spdx_others.items()):
        summary += f" Under {other} alone (their SPDX-License-Identifier): {', '.join(sorted(files))}."
    comment = [summary]
    for notice in notices:
        comment.append(f"Its {notice.name}, which section 4(d) of the Apache License asks redistributors to carry:")
        comment.append([line.rstrip() for line in read_text(notice).strip("\n").splitlines()])
    if not holders:
        die(f"{package.identity}: no copyright holder in its LICENSE, NOTICE or the linked modules' sources")
    stanza = {
        "Files": [files_pattern(package.path)],
        "Copyright": list(dict.fromkeys(holders)),
        "License": " and ".join(dict.fromkeys(names + sorted(spdx_others))),
        "Comment": comment,
    }
    return [stanza] + stanzas


def toolchain_license():
    """The Swift toolchain's LICENSE.txt must still be Apache-2.0 with the Runtime Library Exception."""
    result = subprocess.run(["swift", "-print-target-info"], capture_output=True, text=True, check=True)
    info = json.loads(result.stdout)
    resources = Path(info["paths"]["runtimeResourcePath"])  # <toolchain>/usr/lib/swift
    license_file = resources.parent.parent / "share/swift/LICENSE.txt"
    if not license_file.exists():
        die(f"the Swift toolchain has no {license_file}: check the runtime's license by hand")
    short_name, _ = identify_license(license_file)
    if short_name != "Apache-2.0 with Runtime Library Exception":
        die(f"{license_file} is {short_name}, not Apache-2.0 with Runtime Library Exception: update RUNTIME")


IMPORT = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|private|fileprivate)\s+)?"
                    r"import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?(\w+)", re.M)


def foundation_modules(linked):
    """The Foundation modules the linked Swift modules import."""
    imported = set()
    for package, targets in linked.items():
        for target in targets:
            for path in package.target_path(target).rglob("*.swift"):
                imported |= {name for name in IMPORT.findall(read_text(path)) if name.startswith("Foundation")}
    for name in ("FoundationNetworking", "FoundationXML"):
        if name in imported:
            die(f"a linked module imports {name}, which links libcurl or libxml2: add their stanzas to RUNTIME")
    return imported


def folded(text, width=88):
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


def field(name, value):
    """A DEP-5 field. VALUE: a string, folded; a list of lines, kept; but for a Comment, a list of
    paragraphs, each a string (folded) or a list of lines (kept as they are, as for a NOTICE)."""
    if isinstance(value, str):
        lines = folded(value)
    elif name != "Comment":
        lines = value
    else:
        lines = []
        for index, paragraph in enumerate(value):
            if index:
                lines.append("")
            lines += folded(paragraph) if isinstance(paragraph, str) else paragraph
    first, rest = lines[0], lines[1:]
    return "\n".join([f"{name}: {first}".rstrip()] + [f" {line}" if line.strip() else " ." for line in rest])


def license_paragraph(name):
    return field("License", [name] + LICENSES[name].strip("\n").split("\n"))


def stanza_text(stanza):
    # The License field's first line is the license expression, whole: lines after it are license text.
    parts = [field("Files", stanza["Files"]), field("Copyright", stanza["Copyright"]),
             field("License", [stanza["License"]])]
    if stanza.get("Comment"):
        parts.append(field("Comment", stanza["Comment"]))
    return "\n".join(parts)


def generate():
    root, _ = resolved_graph()
    linked, system = linked_modules(root)
    toolchain_license()
    dependencies = sorted((package for package in linked if package is not root), key=lambda p: p.identity)
    uses_foundation = bool(foundation_modules(linked) & {"Foundation", "FoundationInternationalization"})

    dynamic = ", ".join(f"lib{target['pkgConfig']} (the module {target['name']}, pkg-config {target['pkgConfig']})"
                        if target.get("pkgConfig") else f"the library of the module {target['name']}"
                        for _, target in system)
    header = "\n".join([
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
        "Upstream-Name: jobstatusd",
        field("Comment", [
            "Generated by scripts/lib/copyright.py from the resolved dependency graph and the "
            "checkouts in .build/checkouts: change the script, not this file. scripts/test and "
            "scripts/package fail when it is out of date; `python3 scripts/lib/copyright.py` rewrites it.",
            "/usr/bin/jobstatusd is built with swift build --static-swift-stdlib: the Swift runtime, "
            "libdispatch and Foundation from the Swift toolchain (the usr/lib/swift_static paths "
            "below are the toolchain's) and the Swift packages below (the .build/checkouts paths) "
            "are linked into it. Linked dynamically, from the Debian packages the package depends "
            f"on, and not shipped in it: {dynamic}, and the C and C++ runtime (libc6, libstdc++6, libgcc-s1).",
        ]),
    ])
    stanzas = [{"Files": ["*"], "Copyright": ["2026 jobstatusd developers"], "License": "Apache-2.0"}]
    stanzas += [stanza for stanza in RUNTIME if stanza.get("when") != "Foundation" or uses_foundation]
    for package in dependencies:
        stanzas += package_stanzas(package, linked[package])

    used = set()
    for stanza in stanzas:
        for name in re.split(r"\s+and\s+", stanza["License"]):
            if name not in LICENSES:
                die(f"no License paragraph for {name}: add its text to LICENSES in scripts/lib/copyright.py")
            used.add(name)
    text = [header] + [stanza_text(stanza) for stanza in stanzas]
    text += [license_paragraph(name) for name in LICENSES if name in used]
    return "\n\n".join(text) + "\n", {package: linked[package] for package in dependencies}


def paragraphs(text):
    """{key: paragraph} of a DEP-5 file; a key names the paragraph (its first field)."""
    result = {}
    for paragraph in re.split(r"\n\s*\n", text.strip()) if text.strip() else []:
        first = paragraph.split("\n", 1)[0]
        key = "header" if first.startswith("Format:") else first
        result[key] = paragraph
    return result


def fields(paragraph):
    result, name = {}, None
    for line in paragraph.split("\n"):
        if line[:1] in (" ", "\t") and name:
            result[name] += "\n" + line
        else:
            name, _, value = line.partition(":")
            result[name] = value
    return result


def check(path, expected, reasons):
    shown = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
    try:
        actual_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        actual_text = ""
    if actual_text == expected:
        print(f"{shown}: up to date")
        return 0
    actual, wanted = paragraphs(actual_text), paragraphs(expected)
    problems = []
    for key, paragraph in wanted.items():
        if key not in actual:
            problems.append(f"missing: {key}{reasons.get(key, '')}")
        elif actual[key] != paragraph:
            have, want = fields(actual[key]), fields(paragraph)
            differing = sorted(name for name in set(have) | set(want) if have.get(name) != want.get(name))
            problems.append(f"stale:   {key} ({', '.join(differing)} "
                            f"{'differs' if len(differing) == 1 else 'differ'} from what the checkouts give)")
    for key in actual:
        if key not in wanted:
            why = "no stanza names it" if key.startswith("License:") else f"not linked into /usr/bin/{PRODUCT}"
            problems.append(f"extra:   {key} ({why})")
    if not problems:
        problems.append("the paragraphs are in another order or differ in blank lines")
    print(f"{shown} is out of date "
          f"(`{REWRITE}` rewrites it, then commit it):", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", nargs="?", const=str(OUTPUT), metavar="FILE",
                      help="compare FILE (default deploy/debian/copyright) with what it should be; "
                           "exit 1 if it differs")
    mode.add_argument("--list", action="store_true", help="print the linked packages and modules")
    args = parser.parse_args()
    checked = Path(args.check).absolute() if args.check else None
    os.chdir(ROOT)
    text, linked = generate()
    if args.list:
        for package, targets in linked.items():
            print(f"{package.identity}: {', '.join(sorted(target['name'] for target in targets))}")
        return 0
    if args.check:
        reasons = {f"Files: {files_pattern(package.path)}": f" ({package.identity}: linked through "
                   f"{', '.join(sorted(target['name'] for target in targets))})" for package, targets in linked.items()}
        return check(checked, text, reasons)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(linked)} linked packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
