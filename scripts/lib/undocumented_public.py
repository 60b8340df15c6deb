#!/usr/bin/env python3
"""Public declarations of the library modules without a `///` doc comment.

  undocumented_public.py [DIR...]   prints `file:line: declaration` for each, then a count;
                                    exits 1 when there is any (default: the repository's
                                    Sources/JobStatus, Sources/Kafka and Sources/Relay);
                                    scripts/test runs it in its format check

A declaration counts when it is declared `public` or `open` (a type, func, init, subscript,
var, let, typealias, case, static member, a member of an extension), or when it is public
without the word: a `case` of a public enum, a requirement of a public protocol, a member of
a `public extension` that names no access level of its own. It is documented when the line
above it (past any attribute lines such as `@inlinable` or `@discardableResult`) is a `///`
comment or ends a `/** */` comment. `public import` is not a declaration.

This reads the sources with a small lexer (comments and string literals are set aside before
braces are counted), not with the compiler: it is a cheap check for every CI run, and it
stays within the project's own style of Swift.
"""
import os
import re
import sys

DEFAULT_DIRS = ["Sources/JobStatus", "Sources/Kafka", "Sources/Relay"]

ACCESS = r"(?:public|open|package|internal|fileprivate|private)(?:\((?:set|get)\))?"
MODIFIER = (
    r"(?:" + ACCESS + r"|static|class|final|override|mutating|nonmutating|nonisolated(?:\(unsafe\))?"
    r"|convenience|required|indirect|lazy|weak|unowned|dynamic|borrowing|consuming|distributed)"
)
ATTRIBUTE = r"@[\w.]+(?:\([^()]*(?:\([^()]*\)[^()]*)*\))?"
KEYWORDS = (
    "func|init|deinit|var|let|struct|class|enum|protocol|actor|extension|typealias|subscript|case|"
    "associatedtype|macro"
)
DECLARATION = re.compile(
    r"^((?:" + ATTRIBUTE + r"\s+)*)((?:" + MODIFIER + r"\s+)*)(" + KEYWORDS + r")\b"
)
TYPE_KEYWORDS = {"struct", "class", "enum", "protocol", "actor", "extension"}


def code_lines(text):
    """Each line's code with comments removed and string literals emptied (`""`).

    Handles `//` and nested `/* */` comments, "..." and \"\"\"...\"\"\" strings with
    escapes, raw strings (#"..."#), and interpolations `\\(...)` (their code is kept, so a
    closure inside one still balances its braces).
    """
    out = []
    line = []
    i = 0
    n = len(text)
    # A stack of contexts: ("code", parens) inside an interpolation, ("string", hashes, multi).
    stack = [("code", 0)]
    block_depth = 0
    while i < n:
        c = text[i]
        if c == "\n":
            out.append("".join(line))
            line = []
            i += 1
            continue
        top = stack[-1]
        if block_depth:
            if text.startswith("*/", i):
                block_depth -= 1
                i += 2
            elif text.startswith("/*", i):
                block_depth += 1
                i += 2
            else:
                i += 1
            continue
        if top[0] == "string":
            _, hashes, multi = top
            if c == "\\" and text.startswith("#" * hashes, i + 1):
                j = i + 1 + hashes
                if j < n and text[j] == "(":
                    stack.append(("code", 0))
                    line.append("(")
                    i = j + 1
                elif j < n and text[j] == "\n":
                    i = j  # a line continuation: the newline still ends the line
                else:
                    i = j + 1  # an escaped character
                continue
            close = ('"""' if multi else '"') + "#" * hashes
            if text.startswith(close, i):
                stack.pop()
                line.append('"')
                i += len(close)
                continue
            i += 1
            continue
        # Code.
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith("/*", i):
            block_depth = 1
            i += 2
            continue
        m = re.match(r'(#*)("""|")', text[i:i + 64])
        if m and (m.group(1) == "" or c == "#"):
            hashes = len(m.group(1))
            stack.append(("string", hashes, m.group(2) == '"""'))
            line.append('"')
            i += m.end()
            continue
        if len(stack) > 1:
            # Inside an interpolation: its closing parenthesis returns to the string.
            if c == "(":
                stack[-1] = ("code", top[1] + 1)
            elif c == ")":
                if top[1] == 0:
                    stack.pop()
                    line.append(")")
                    i += 1
                    continue
                stack[-1] = ("code", top[1] - 1)
        line.append(c)
        i += 1
    out.append("".join(line))
    return out


def is_documented(raw, index):
    """Whether the declaration at raw[index] has a doc comment above its attributes."""
    j = index - 1
    while j >= 0:
        above = raw[j].strip()
        if above.startswith("@"):
            j -= 1
            continue
        if above.startswith("//") and not above.startswith("///") and "swift-format-ignore" in above:
            j -= 1
            continue
        break
    if j < 0:
        return False
    above = raw[j].strip()
    if above.startswith("///"):
        return True
    if above.endswith("*/"):
        while j >= 0 and "/*" not in raw[j]:
            j -= 1
        return j >= 0 and "/**" in raw[j]
    return False


def findings(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    raw = text.split("\n")
    code = code_lines(text)
    # Each open brace's context: (keyword, is_public) for a type or extension body, else None.
    braces = []
    pending = None
    found = []
    for index, line in enumerate(code):
        stripped = line.strip()
        m = DECLARATION.match(stripped)
        if m:
            modifiers = m.group(2).split()
            keyword = m.group(3)
            explicit = [w for w in modifiers if re.match(ACCESS + "$", w)]
            context = braces[-1] if braces else None
            if keyword == "extension" or (keyword == "case" and not (context and context[0] == "enum")):
                is_public = False
            elif any(w in ("public", "open") for w in explicit):
                is_public = True
            elif context and context[1] and context[0] in ("enum", "protocol", "extension"):
                # Implicitly public: a public enum's case, a public protocol's requirement, a
                # member of a public extension that names no access level.
                is_public = not explicit and (context[0] != "enum" or keyword == "case")
            else:
                is_public = False
            if is_public and not is_documented(raw, index):
                found.append((index + 1, raw[index].strip()))
            if keyword in TYPE_KEYWORDS:
                pending = (keyword, any(w in ("public", "open") for w in explicit))
            else:
                pending = None
        for c in line:
            if c == "{":
                braces.append(pending)
                pending = None
            elif c == "}":
                if braces:
                    braces.pop()
    return found


def main(argv):
    dirs = argv[1:]
    if not dirs:
        os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
        dirs = DEFAULT_DIRS
    total = 0
    for top in dirs:
        for root, _, files in sorted(os.walk(top)):
            for name in sorted(files):
                if not name.endswith(".swift"):
                    continue
                path = os.path.join(root, name)
                for line, declaration in findings(path):
                    print(f"{path}:{line}: {declaration}")
                    total += 1
    print(f"{total} public declaration{'' if total == 1 else 's'} without a /// doc comment in {', '.join(dirs)}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
