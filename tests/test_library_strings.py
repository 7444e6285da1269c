"""Table tests for Terraform's string and encoding functions (tflint_sg.load.expressions.library_strings).

Expected values are Terraform's (its function documentation and Go's strings/regexp semantics),
not the tool's output. `try(f(...), "fallback")` cases check that a Terraform error is an error
`try` recovers from; `var.u` cases check that unknowns stay unknown.
"""

from __future__ import annotations

from test_hcl_expr import UNKNOWN, OrUnknown, check, table  # noqa: F401

STRINGS = [
    # split
    ('split(",", "foo")', ["foo"]),
    ('split(",", "foo,bar,baz")', ["foo", "bar", "baz"]),
    ('split(",", "")', [""]),
    ('split(",", "a,,b")', ["a", "", "b"]),
    ('split("", "abc")', ["a", "b", "c"]),
    ('split(".", 1.5)', ["1", "5"]),
    ('split(",", var.u)', UNKNOWN),
    ('try(split(",", ["a"]), "fallback")', "fallback"),
    # replace
    ('replace("1 + 2 + 3", "+", "-")', "1 - 2 - 3"),
    ('replace("hello world", "/w.*d/", "everybody")', "hello everybody"),
    ('replace("abc", "", "-")', "-a-b-c-"),
    ('replace("a-b-c", "/(\\\\w)-/", "$1_")', "c"),  # Go reads $1_ as the (missing) group "1_"
    ('replace("a-b-c", "/(\\\\w)-/", "$1x")', "c"),  # Go reads $1x as the (missing) group "1x"
    ('replace("a-b-c", "/(\\\\w)-/", "$${1}x")', "axbxc"),  # $${ is a literal ${ in HCL
    ('replace("abxd", "/x*/", "-")', "-a-b-d-"),  # Go skips an empty match right after a match
    ('replace("price", "/p/", "$$")', "$rice"),
    ('replace("aaa", "/a{2}/", "b")', "ba"),
    ('replace("a{,2}", "/a{,2}/", "X")', "X"),  # RE2 reads {,2} as literal text
    ('replace("a\\n", "/a$/", "X")', "a\n"),  # RE2's $ is the end of the text only
    ('replace("x", "/(?=x)/", "y")', UNKNOWN),  # lookahead is not RE2: an error
    ('try(replace("x", "/(/", "y"), "fallback")', "fallback"),
    ('replace(var.u, "a", "b")', UNKNOWN),
    ('replace("a", var.u, "b")', UNKNOWN),
    # substr
    ('substr("hello world", 1, 4)', "ello"),
    ('substr("🤔🤷", 0, 1)', OrUnknown("🤔")),
    ('substr("hello world", -5, -1)', "world"),
    ('substr("hello world", 6, 10)', "world"),
    ('substr("hello", 0, 0)', ""),
    ('substr("", 0, -1)', ""),
    ('try(substr("hello", 10, 1), "fallback")', "fallback"),
    ('try(substr("hello", "x", 1), "fallback")', "fallback"),
    ('substr(var.u, 0, 1)', UNKNOWN),
    # trims
    ('trimspace("  hello\\n\\n")', "hello"),
    ('trimspace("")', ""),
    ('trim("?!hello?!", "!?")', "hello"),
    ('trim("foobar", "far")', "oob"),
    ('trim("   hello! world.!  ", "! ")', "hello! world."),
    ('trim("abc", "")', "abc"),
    ('trimprefix("helloworld", "hello")', "world"),
    ('trimprefix("helloworld", "cat")', "helloworld"),
    ('trimsuffix("helloworld", "world")', "hello"),
    ('trimsuffix("helloworld", "cat")', "helloworld"),
    ('chomp("hello\\n")', "hello"),
    ('chomp("hello\\r\\n")', "hello"),
    ('chomp("hello\\n\\n")', "hello"),
    ('chomp("hello")', "hello"),
    ('trimspace(var.u)', UNKNOWN),
    ('trimprefix(var.u, "a")', UNKNOWN),
    ('try(trimspace(["a"]), "fallback")', "fallback"),
    # startswith, endswith, strcontains
    ('startswith("hello world", "hello")', True),
    ('startswith("hello world", "world")', False),
    ('startswith("", "")', True),
    ('endswith("hello world", "world")', True),
    ('endswith("hello world", "hello")', False),
    ('strcontains("hello world", "wor")', True),
    ('strcontains("hello world", "wod")', False),
    ('startswith(var.u, "a")', UNKNOWN),
    ('strcontains("a", var.u)', UNKNOWN),
    ('try(endswith({a = 1}, "a"), "fallback")', "fallback"),
    # regex, regexall
    ('regex("[a-z]+", "53453453.345345aaabbbccc23454")', "aaabbbccc"),
    ('regex("(\\\\d\\\\d\\\\d\\\\d)-(\\\\d\\\\d)-(\\\\d\\\\d)", "2019-02-01")', ["2019", "02", "01"]),
    ('regex("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/")',
     {"scheme": "https", "authority": "terraform.io"}),
    ('regex("(a)(b)?", "a")', ["a", None]),
    ('regex("(?i)abc", "xABC")', "ABC"),
    ('regex("\\\\bport\\\\b", "a port")', "port"),
    ('regex("[[:digit:]]+", "ab12")', "12"),
    ('try(regex("[a-z]+", "123"), "fallback")', "fallback"),
    ('try(regex("(?P<a>x)(y)", "xy"), "fallback")', "fallback"),  # named and unnamed groups mixed
    ('try(regex("[a-", "a"), "fallback")', "fallback"),
    ('regexall("[a-z]+", "1234abcd5678efgh9")', ["abcd", "efgh"]),
    ('length(regexall("[a-z]+", "1234abcd5678efgh9"))', 2),
    ('length(regexall("[a-z]+", "123456789")) > 0', False),
    ('regexall("(\\\\d)=(\\\\w)", "1=a 2=b")', [["1", "a"], ["2", "b"]]),
    ('regexall("x*", "abxd")', ["", "", "x", ""]),
    ('regexall("\\\\p{Greek}", "α")', UNKNOWN),  # Unicode classes are not translated
    ('regex(var.u, "a")', UNKNOWN),
    ('regexall("a", var.u)', UNKNOWN),
    # format, formatlist
    ('format("Hello, %s!", "Ander")', "Hello, Ander!"),
    ('format("There are %d lights", 4)', "There are 4 lights"),
    ('format("%-5s|", "ab")', "ab   |"),
    ('format("%5d", 42)', "   42"),
    ('format("100%%")', "100%"),
    ('format("%t", true)', "true"),
    ('try(format("%s %s", "a"), "fallback")', "fallback"),
    ('try(format("%s", "a", "b"), "fallback")', "fallback"),
    ('try(format("%d", "x"), "fallback")', "fallback"),
    ('format("%.2f", 3.14159)', OrUnknown("3.14")),
    ('formatlist("Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"])',
     ["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"]),
    ('formatlist("%s, %s!", "Salutations", ["Valentina", "Ander", "Olivia", "Sam"])',
     ["Salutations, Valentina!", "Salutations, Ander!", "Salutations, Olivia!", "Salutations, Sam!"]),
    ('formatlist("%s-%d", ["a", "b"], [1, 2])', ["a-1", "b-2"]),
    ('formatlist("%s", [])', []),
    ('formatlist("x-%s", "a")', ["x-a"]),
    ('try(formatlist("%s%s", ["a"], ["b", "c"]), "fallback")', "fallback"),
    ('formatlist("%s", var.u)', UNKNOWN),
    ('formatlist("%s", ["a", var.u])', ["a", UNKNOWN]),
    # title, strrev, indent
    ('title("hello world")', "Hello World"),
    ('title("hELLO wORLD")', "HELLO WORLD"),  # only first letters change
    ('title("foo-bar_baz")', "Foo-Bar_baz"),
    ('title("")', ""),
    ('strrev("hello")', "hello"[::-1]),
    ('strrev("a")', "a"),
    ('strrev("")', ""),
    ('strrev("e\\u0301x")', OrUnknown("xé")),
    ('indent(2, "[\\n  foo,\\n  bar,\\n]\\n")', "[\n    foo,\n    bar,\n  ]\n  "),
    ('indent(4, "one")', "one"),
    ('try(indent(-1, "a"), "fallback")', "fallback"),
    ('indent(var.u, "a")', UNKNOWN),
    ('title(var.u)', UNKNOWN),
    ('strrev(var.u)', UNKNOWN),
    # base64, text encodings, urlencode
    ('base64encode("Hello World")', "SGVsbG8gV29ybGQ="),
    ('base64encode("")', ""),
    ('base64decode("SGVsbG8gV29ybGQ=")', "Hello World"),
    ('base64decode(base64encode("☃ snow"))', "☃ snow"),
    ('try(base64decode("not base64!"), "fallback")', "fallback"),
    ('try(base64decode("YQ"), "fallback")', "fallback"),  # padding is required
    ('try(base64decode("/w=="), "fallback")', "fallback"),  # decodes to bytes that are not UTF-8
    ('base64decode(var.u)', UNKNOWN),
    ('textencodebase64("Hello World", "UTF-16LE")', "SABlAGwAbABvACAAVwBvAHIAbABkAA=="),
    ('textdecodebase64("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE")', "Hello World"),
    ('textencodebase64("Hi", "UTF-8")', "SGk="),
    ('textencodebase64("Hi", "windows-1252")', OrUnknown("SGk=")),
    ('textencodebase64(var.u, "UTF-8")', UNKNOWN),
    # basename / dirname (Go's filepath.Base and filepath.Dir on a Unix host)
    ('basename("foo/bar/baz.txt")', "baz.txt"),
    ('basename("/foo/bar/baz/")', "baz"),
    ('basename("..")', ".."),
    ('basename("/")', "/"),
    ('basename("")', "."),
    ('"ex-${basename("/home/ci/examples/complete")}"', "ex-complete"),
    ('dirname("foo/bar/baz.txt")', "foo/bar"),
    ('dirname("/foo/bar/baz/")', "/foo/bar/baz"),
    ('dirname("/dirty//path///")', "/dirty/path"),
    ('dirname("dev.txt")', "."),
    ('dirname("../todo.txt")', ".."),
    ('dirname("/")', "/"),
    ('dirname("")', "."),
    ("basename(var.u)", UNKNOWN),
    ('try(basename(["a"]), "fallback")', "fallback"),
    ('urlencode("Hello World!")', "Hello+World%21"),
    ('urlencode("☃")', "%E2%98%83"),
    ('urlencode("foo:bar@localhost?foo=bar&bar=baz")', "foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz"),
    ('urlencode("a-b_c.d~e")', "a-b_c.d~e"),
    ('urlencode(var.u)', UNKNOWN),
    # jsondecode; of jsonencode with a part unknown until apply, the value back
    ('jsondecode(jsonencode({ a = var.u, port = 80 }))["port"]', 80),
    ('jsondecode(jsonencode([var.u, 1]))[1]', 1),
    ('jsondecode(jsonencode({ a = var.u }))["a"]', UNKNOWN),
    ('jsonencode({ a = var.u })', UNKNOWN),
    ('jsondecode("{\\"hello\\": \\"world\\"}")', {"hello": "world"}),
    ('jsondecode("true")', True),
    ('jsondecode("null")', None),
    ('jsondecode("[1, 2.5, 1e2, \\"x\\"]")', [1, 2.5, 100, "x"]),
    ('jsondecode("{\\"ports\\": [80, 443]}").ports[1]', 443),
    ('jsondecode("{}")', {}),
    ('try(jsondecode("{"), "fallback")', "fallback"),
    ('try(jsondecode(""), "fallback")', "fallback"),
    ('try(jsondecode("NaN"), "fallback")', "fallback"),
    ('jsondecode(var.u)', UNKNOWN),
    ('jsondecode(jsonencode({a = [1, "b"]}))', {"a": [1, "b"]}),
]


@table(STRINGS)
def test_string_function(tmp_path, text, expected):
    check(tmp_path, text, expected)
