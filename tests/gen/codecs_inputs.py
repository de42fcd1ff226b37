#!/usr/bin/env python3
"""Write the hand-written codec edge cases into testvectors/codecs/cases/.

Each case is a literal byte string below (kept here so the bytes that are
hard to type -- BOMs, CR, invalid UTF-8 -- are reviewable). The expected
outputs come from sops's own store code: tests/gen/codecs_cases.sh.
"""
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "testvectors", "codecs", "cases")

JSON = {
    "basic": b'{"name": "x", "n": 1, "f": 1.5, "t": true, "z": null, "l": [1, "a", [2], {"k": "v"}]}',
    "empties": b'{"o": {}, "a": [], "n": {"o": {}, "a": [[], {}]}}',
    "empty_object": b'{}',
    "whitespace": b' \r\n\t{ "a" :\t1 ,\r\n "b":[ 1 , 2 ] }\r\n',
    "duplicate_keys": b'{"a": 1, "b": 2, "a": 3, "a": {"x": 1, "x": 2}}',
    "key_order": b'{"z": 1, "a": 2, "m": 3, "": 4, "A": 5}',
    "escapes": b'{"s": "q\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0041\\u00e9\\u20ac\\ud83d\\ude00"}',
    "nul_and_controls": b'{"s": "a\\u0000b\\u0001\\u001f\\u007f\x7f", "k\\u0000": 1}',
    "html": b'{"s": "<script>&amp;</script>", "<k>": "&"}',
    "line_separators": b'{"s": "a\xe2\x80\xa8b\xe2\x80\xa9c\\u2028\\u2029"}',
    "surrogates": b'{"hi": "\\ud800", "lo": "\\udc00", "hi_x": "\\ud800x", "hi_hi": "\\ud800\\ud800", "hi_lo_bad": "\\ud800\\u0041", "pair": "\\udbff\\udfff", "rev": "\\udc00\\ud800"}',
    "invalid_utf8": b'{"s": "a\xffb\xc0\x80c\xed\xa0\x80d\xf4\x90\x80\x80e\xe2\x82", "k\xfe": "\xf0\x9f\x98"}',
    "valid_utf8": b'{"s": "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\xf4\x8f\xbf\xbf", "\xe6\x97\xa5\xe6\x9c\xac": 1}',
    "integers": b'{"a": 0, "b": -0, "c": 9223372036854775807, "d": -9223372036854775808, "e": 9223372036854775808, "f": -9223372036854775809, "g": 123456789012345678901234567890, "h": 10}',
    "floats": b'{"a": 0.0, "b": -0.0, "c": 1.5, "d": 1e2, "e": 1E+2, "f": 1e-2, "g": 0.1, "h": 1e21, "i": 1e20, "j": 1e-6, "k": 1e-7, "l": 123456789.123456789, "m": 4.9e-324, "n": 1e-400, "o": 1.7976931348623157e308, "p": 100000000000000000000.0, "q": 2.5e-7, "r": -1.25e+22}',
    "long_number": b'{"a": 0.' + b'0' * 500 + b'1, "b": 1' + b'0' * 300 + b', "c": 3.' + b'1' * 600 + b'}',
    "overflow": b'{"a": 1e400}',
    "overflow_neg": b'{"a": [-2e308]}',
    "deep": b'{"a": ' + b'[' * 100 + b'1' + b']' * 100 + b'}',
    "nested": b'{"a": {"b": {"c": [{"d": [1, 2, {"e": null}]}]}}}',
    "trailing_garbage": b'{"a": 1} trailing {',
    "trailing_brace": b'{"a": 1}}',
    "truncated_after_colon": b'{"a": 1, "b":',
    "truncated_after_key": b'{"a": 1, "b"  ',
    "truncated_only_key": b'{"a"',
    "truncated_nested": b'{"a": {"b":',
    "truncated_value": b'{"a": 1',
    "truncated_comma": b'{"a": 1,',
    "truncated_open": b'{',
    "truncated_string": b'{"a": "abc',
    "truncated_array": b'{"a": [1, 2',
    "truncated_literal": b'{"a": tru',
    "truncated_list_in_list": b'{"x": 1, "a": [[1',
    "truncated_object_in_list": b'{"a": [{"b": [1',
    "truncated_object_in_object_in_list": b'{"a": [{"b": {"c": [1',
    "truncated_key_in_list": b'{"a": [{"b": 1',
    "truncated_after_list_comma": b'{"y": 2, "a": [{"b": "x"}, {"c": 1}, [',
    "truncated_list_in_object": b'{"a": {"b": [1',
    "empty_file": b'',
    "only_space": b' \n',
    "top_array": b'[1, 2]',
    "top_string": b'"x"',
    "top_number": b'12',
    "top_true": b'true',
    "top_null": b'null',
    "bom": b'\xef\xbb\xbf{"a": 1}',
    "trailing_comma_object": b'{"a": 1,}',
    "trailing_comma_array": b'{"a": [1,]}',
    "leading_comma_array": b'{"a": [,1]}',
    "leading_zero": b'{"a": 01}',
    "leading_dot": b'{"a": .5}',
    "trailing_dot": b'{"a": 1.}',
    "bare_minus": b'{"a": -}',
    "plus_sign": b'{"a": +1}',
    "exp_no_digits": b'{"a": 1e}',
    "nan": b'{"a": NaN}',
    "infinity": b'{"a": Infinity}',
    "single_quotes": b"{'a': 1}",
    "raw_control": b'{"a": "x\ny"}',
    "raw_tab": b'{"a": "x\ty"}',
    "bad_escape": b'{"a": "\\x41"}',
    "short_unicode": b'{"a": "\\u12"}',
    "bad_unicode_hex": b'{"a": "\\u12G4"}',
    "comment": b'{"a": 1 // c\n}',
    "missing_colon": b'{"a" 1}',
    "missing_comma": b'{"a": 1 "b": 2}',
    "array_missing_comma": b'{"a": [1 2]}',
    "number_key": b'{1: 2}',
    "unquoted_key": b'{a: 2}',
    "double_colon": b'{"a":: 2}',
    "literal_suffix": b'{"a": truex}',
    "number_suffix": b'{"a": 12x}',
    "colon_in_array": b'{"a": [1: 2]}',
    "close_mismatch": b'{"a": [1}',
    "sops_key": b'{"a": 1, "sops": {"version": "3.13.2"}}',
    "to_ini_values": b'{"s": {"f1": 5.0, "f2": 1e6, "f3": 1e21, "f4": 0.1, "f5": -0.0, "f6": 123456.0, "f7": 1e-5, "f8": 1234567.0, "f9": 2.5e-300, "i": 42, "b": true, "n": null, "str": "a\\nb", "nested": {"x": 1, "y": [1, "two", null, {"z": 1.5}], "e": {}}, "list": [], "tick": "a`b", "semi": "a;b", "sp": " x"}, "t": {"k\\"q": 1, "k`b": 2, "long key name": 3, "k": "", "u": "\\u00a0x"}, "DEFAULT": {"d": 1}}',
    "to_ini_empty_key": b'{"s": {"": 1}}',
    "to_ini_empty_section": b'{"": {"a": 1}}',
    "to_dotenv_values": b'{"f1": 5.0, "f2": 1e6, "f3": 0.5, "f4": -0.0, "f5": 1e100, "i": -7, "b": false, "n": null, "s": "a\\nb\\n", "e": "", "k=eq": "v"}',
}

DOTENV = {
    "basic": b'A=1\nB=two\nC=\n',
    "comments": b'# top\n#\n#  spaced\nA=1\n # not a comment\n',
    "empty_lines": b'\n\nA=1\n\n\nB=2',
    "crlf": b'A=1\r\nB=2\r\n#c\r\n',
    "equals_in_value": b'A=b=c=d\nURL=https://x/?a=1&b=2\n',
    "empty_key": b'=value\n',
    "quotes_kept": b'A="quoted"\nB=\'single\'\nC= spaced \n',
    "newline_escapes": b'A=line1\\nline2\nB=\\\\n\nC=\\n\\n\nD=\\\nE=\\nn\n',
    "spaces_in_key": b' A = 1\nexport B=2\n',
    "no_final_newline": b'A=1\nB=2',
    "unicode": b'GR\xc3\x9cSSE=\xe2\x82\xac\nBAD=\xff\xfe\n',
    "no_equals": b'A=1\nJUSTAKEY\n',
    "only_comment": b'#only\n',
    "empty_file": b'',
    "duplicate_keys": b'A=1\nA=2\n',
    "sops_prefix": b'A=1\nsops_version=3.13.2\n',
    "tab_and_nul": b'A=\tx\x00y\n',
}

INI = {
    "basic": b'[section]\nkey = value\nother=1\n\n[second]\na = b\n',
    "default_keys": b'top = 1\nname = x\n\n[s]\nk = v\n',
    "default_only": b'a = 1\nb = 2\n',
    "empty_file": b'',
    "only_comments": b'; just a comment\n# another\n',
    "comments": b'; file comment\n# second line\n[s]\n; key comment\nk = v\n#   hash comment\nk2 = v2\n; trailing comment\n',
    "comment_before_section": b'[a]\nk = v\n; about b\n[b]\nx = y\n',
    "section_inline_comment": b'[a] ; section note\nk = v\n[b] # hash note\nx = y\n',
    "inline_comments": b'[s]\na = b ; c\nd = e # f\ng = h;i\nj = "quoted ; kept"\n',
    "delimiters": b'[s]\na: 1\nb = c: d\ne=f=g\n',
    "quoted_values": b'[s]\na = "x"\nb = \'y\'\nc = "  spaced  "\nd = "a"b"\ne = ""\nf = \'\'\ng = "\n',
    "triple_quoted": b'[s]\na = """one\ntwo\nthree"""\nb = """inline"""\nc = """"""\n',
    "backticks": b'[s]\na = `raw ; # value`\nb = `multi\nline`\n',
    "continuation": b'[s]\na = one \\\n  two \\\n  three\nb = x\n',
    "continuation_eof": b'[s]\na = one \\',
    "quoted_keys": b'[s]\n"a=b" = 1\n`c:d` = 2\n"""e`f""" = 3\n',
    "auto_increment": b'[s]\n- = a\n- = b\n[t]\n- = c\n',
    "duplicate_keys": b'[s]\n; first\na = 1\nb = 2\n; second\na = 3\n',
    "duplicate_sections": b'[s]\na = 1\n[s]\na = 2\n[DEFAULT]\nd = 1\n',
    "empty_values": b'[s]\na =\nb = \nc\t=\t\n',
    "spaces_around": b'  [s]\n\t key \t=\t value with spaces \t\n',
    "unicode_spaces": b'[s]\n\xc2\xa0key\xe3\x80\x80= \xc2\xa0value\xe2\x80\x83\n',
    "bom": b'\xef\xbb\xbf[s]\na = 1\n',
    "bom_utf16": b'\xff\xfe[s]\na = 1\n',
    "crlf": b'[s]\r\na = 1\r\n; c\r\nb = 2\r\n',
    "section_brackets": b'[a]]\nk = v\n[ b ]\nk = v\n[c] junk\nk = v\n',
    "values_needing_quotes": b'[s]\na = has # hash\nb = `semi ; colon`\nc = " lead"\nd = trail\\\n',
    "key_comment_empty": b'[s]\n;\nk = v\n#\nk2 = v2\n',
    "comment_at_eof": b'[s]\nk = v\n; dangling\n',
    "comment_lines_for_section": b'; one\n# two\n;three\n[s]\nk = v\n',
    "comment_then_empty_marker": b'#\n# b\n[s]\nk = v\n',
    "empty_section_name": b'[]\nk = v\n',
    "unclosed_section": b'[s\nk = v\n',
    "no_delimiter": b'[s]\njustakey\n',
    "empty_key": b'[s]\n= v\n',
    "quoted_empty_key": b'[s]\n"" = v\n',
    "unterminated_triple": b'[s]\na = """never closed\nmore\n',
    "unterminated_key_quote": b'[s]\n"abc = 1\n',
    "quoted_key_no_delimiter": b'[s]\n"abc" 1\n',
    "sops_section": b'[s]\na = 1\n\n[sops]\nversion = 3.13.2\nage__list_0__map_enc = -----BEGIN AGE ENCRYPTED FILE-----\\nabc\\n-----END AGE ENCRYPTED FILE-----\\n\n',
    "triple_quote_continuation": b'[s]\na = """x\ny""" \\\nz"""\n',
    "many_sections": b''.join(b'[s%d]\nk%d = %d\n' % (i, i, i) for i in range(30)),
    "default_explicit": b'[DEFAULT]\na = 1\n[default]\nb = 2\n',
}

BINARY = {
    "text": b'hello\nworld\n',
    "empty": b'',
    "bytes": bytes(range(256)),
    "invalid_utf8": b'\xff\xfe\xfd\xc0\x80',
    "json_like": b'{"data": "x"}\n',
}

FLATTEN = {
    "nested": b'{"a": {"b": 1, "c": [1, {"x": "y"}, []], "d": {}}, "e": null, "f": [[1, 2], [3]]}',
    "metadata": b'{"age": [{"enc": "-----BEGIN\\nX\\n", "recipient": "age1x"}], "lastmodified": "2024-01-01T00:00:00Z", "mac": "ENC[x]", "version": "3.13.2", "key_groups": [{"age": [{"recipient": "r"}]}], "shamir_threshold": 2}',
    "flat_keys": b'{"z": 1, "a__map_b": 2, "a__map_c__list_1": "x", "a__map_c__list_0": "y", "b__map_": 4, "__map_k": 5}',
    "bad_index": b'{"l__list_abc": 3, "m__list_+0": 1, "n__list_": 2, "o__list_0000000000000000000": 7}',
    "collision": b'{"a__map_b": 1, "a": {"b": 2}}',
    "duplicate": b'{"a__list_0": 1, "a__list_00": 2}',
    "type_mismatch": b'{"a": 1, "a__map_b": 2}',
    "map_list_mismatch": b'{"a__map_b": 1, "a__list_0": 2}',
    "incomplete_list": b'{"a__list_0": 1, "a__list_2": 2}',
    "negative_index": b'{"a__list_-1": 1}',
    "huge_index": b'{"a__list_99999999999999999999": 1}',
    "list_not_from_zero": b'{"a__list_1": 1}',
    "separators_chain": b'{"a__map___list_0": 1, "b__list_0__map___map_c": 2}',
    "empty": b'{}',
    "unsorted": b'{"b": 1, "a": 2, "B": 3, "\xc3\xa9": 4, "c__map_z": 5, "c__map_a": 6}',
}

def write(sub, ext, cases):
    d = os.path.join(OUT, sub)
    os.makedirs(d, exist_ok=True)
    for name, data in cases.items():
        with open(os.path.join(d, name + ext), "wb") as f:
            f.write(data)

def main():
    write("json", ".json", JSON)
    write("dotenv", ".env", DOTENV)
    write("ini", ".ini", INI)
    write("binary", ".bin", BINARY)
    write("flatten", ".json", FLATTEN)
    return 0

if __name__ == "__main__":
    sys.exit(main())
