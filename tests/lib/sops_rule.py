"""The encryption rule of a SOPS-encrypted YAML document, as sops flags.

Used by scripts that turn the corpus's SOPS files back into plaintext and
re-encrypt them to a test key with the same rule (tests/parity/sops_corpus.sh,
tests/lib/flux_corpus_prep.sh).
"""
import re

RULES = ("encrypted_regex", "unencrypted_regex", "encrypted_suffix", "unencrypted_suffix")


def strip_sops(doc, flags):
    """Return doc without its top-level sops block. The first selection rule
    found (across calls) is appended to flags as "--encrypted-regex RE" etc.
    (sops's default unencrypted suffix left out), and "MAC_ONLY" is put first
    when the document sets mac_only_encrypted."""
    m = re.search(r"(?m)^sops:\s*$", doc)
    if not m:
        return doc
    meta, doc = doc[m.start():], doc[:m.start()]
    for rule in RULES:
        r = re.search(rf"(?m)^\s+{rule}:\s*(.+?)\s*$", meta)
        if r and not flags:
            v = r.group(1).strip("\"'")
            if not (rule == "unencrypted_suffix" and v == "_unencrypted"):
                flags += ["--" + rule.replace("_", "-"), v]
    if re.search(r"(?m)^\s+mac_only_encrypted:\s*true", meta):
        flags.insert(0, "MAC_ONLY")
    return doc
