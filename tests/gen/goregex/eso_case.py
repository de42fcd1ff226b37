#!/usr/bin/env python3
"""The ExternalSecret rewrite cases of tests/unit/test_eso.c (eso_fake,
rewrite_regexp_groups): the keys of the fake server's yaml-config secret
(user, pass, nested) through each rewrite.regexp source/target, as Go's
ReplaceAllString computes them. Prints the input JSON for main.go."""
import json

KEYS = ["user", "pass", "nested"]
print(json.dumps([
    {"pattern": "^(?P<head>[a-z])([a-z]*?)(s*)$", "subjects": KEYS,
     "templates": ["cfg-${2}_$head$3"], "note": "eso-groups"},
    {"pattern": "[aeiou]|(s)", "subjects": KEYS, "templates": ["<$0$1>"], "note": "eso-all"},
], indent=1))
