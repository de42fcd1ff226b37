// sopscfg runs sops v3.13.2's own shamir, config and Go regexp code so that
// covert's versions can be compared with them:
//
//	sopscfg shamir-split SECRETHEX PARTS THRESHOLD   {"shares":[HEX,...]} or {"error":MSG}
//	sopscfg shamir-combine HEX...                    {"secret":HEX} or {"error":MSG}
//	sopscfg regex < CASES.json                       Go regexp over [{"pattern":P,"inputs":[S,...]}]
//	sopscfg config CONFIG FILE                       the creation rule sops picks for FILE
//	sopscfg lookup                                   config.LookupConfigFile(".") from the cwd
//
// Every answer is one JSON object on stdout; the exit status is 0 unless the
// arguments are wrong.
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/azkv"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/gcpkms"
	"github.com/getsops/sops/v3/hckms"
	"github.com/getsops/sops/v3/hcvault"
	"github.com/getsops/sops/v3/kms"
	"github.com/getsops/sops/v3/pgp"
	"github.com/getsops/sops/v3/shamir"
)

type obj = map[string]interface{}

func emit(v interface{}) {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(append(out, '\n'))
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: sopscfg shamir-split|shamir-combine|regex|config|lookup ...")
	os.Exit(2)
}

func shamirSplit(args []string) {
	if len(args) != 3 {
		usage()
	}
	secret, err := hex.DecodeString(args[0])
	if err != nil {
		usage()
	}
	parts, _ := strconv.Atoi(args[1])
	threshold, _ := strconv.Atoi(args[2])
	shares, err := shamir.Split(secret, parts, threshold)
	if err != nil {
		emit(obj{"error": err.Error()})
		return
	}
	hexes := []string{}
	for _, s := range shares {
		hexes = append(hexes, hex.EncodeToString(s))
	}
	emit(obj{"shares": hexes})
}

func shamirCombine(args []string) {
	parts := [][]byte{}
	for _, a := range args {
		b, err := hex.DecodeString(a)
		if err != nil {
			usage()
		}
		parts = append(parts, b)
	}
	secret, err := shamir.Combine(parts)
	if err != nil {
		emit(obj{"error": err.Error()})
		return
	}
	emit(obj{"secret": hex.EncodeToString(secret)})
}

type regexCase struct {
	Pattern string   `json:"pattern"`
	Inputs  []string `json:"inputs"`
}

func regexCases() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		usage()
	}
	var cases []regexCase
	if err := json.Unmarshal(in, &cases); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := []interface{}{}
	for _, c := range cases {
		re, err := regexp.Compile(c.Pattern)
		if err != nil {
			out = append(out, obj{"pattern": c.Pattern, "error": err.Error()})
			continue
		}
		m := []interface{}{}
		for _, s := range c.Inputs {
			m = append(m, []interface{}{s, re.MatchString(s)})
		}
		out = append(out, obj{"pattern": c.Pattern, "matches": m})
	}
	emit(out)
}

// key describes one master key the way covert's cv_sops_key does.
func key(k interface{}) obj {
	switch k := k.(type) {
	case *age.MasterKey:
		return obj{"type": "age", "id": k.ToString()}
	case *pgp.MasterKey:
		return obj{"type": "pgp", "id": k.ToString()}
	case *kms.MasterKey:
		ctx := map[string]string{}
		for n, v := range k.EncryptionContext {
			ctx[n] = *v
		}
		return obj{"type": "kms", "id": k.ToString(), "arn": k.Arn, "role": k.Role,
			"context": ctx, "aws_profile": k.AwsProfile}
	case *gcpkms.MasterKey:
		return obj{"type": "gcp_kms", "id": k.ToString()}
	case *azkv.MasterKey:
		return obj{"type": "azure_kv", "id": k.ToString(), "vault_url": k.VaultURL,
			"name": k.Name, "version": k.Version}
	case *hcvault.MasterKey:
		return obj{"type": "hc_vault", "id": k.ToString(), "address": k.VaultAddress,
			"engine_path": k.EnginePath, "key_name": k.KeyName}
	case *hckms.MasterKey:
		return obj{"type": "hckms", "id": k.ToString()}
	}
	return obj{"type": fmt.Sprintf("%T", k)}
}

func rule(c *config.Config) interface{} {
	if c == nil {
		return nil
	}
	groups := []interface{}{}
	for _, g := range c.KeyGroups {
		keys := []interface{}{}
		for _, k := range g {
			keys = append(keys, key(k))
		}
		groups = append(groups, keys)
	}
	return obj{
		"key_groups":                groups,
		"shamir_threshold":          c.ShamirThreshold,
		"unencrypted_suffix":        c.UnencryptedSuffix,
		"encrypted_suffix":          c.EncryptedSuffix,
		"unencrypted_regex":         c.UnencryptedRegex,
		"encrypted_regex":           c.EncryptedRegex,
		"unencrypted_comment_regex": c.UnencryptedCommentRegex,
		"encrypted_comment_regex":   c.EncryptedCommentRegex,
		"mac_only_encrypted":        c.MACOnlyEncrypted,
	}
}

func configRule(args []string) {
	if len(args) != 2 {
		usage()
	}
	defer func() {
		// sops itself crashes on a few inputs (a nil key in a group);
		// covert must refuse them, so report the crash as data.
		if r := recover(); r != nil {
			emit(obj{"panic": fmt.Sprint(r)})
		}
	}()
	res := obj{}
	stores, err := config.LoadStoresConfig(args[0])
	if err != nil {
		res["stores_error"] = err.Error()
	} else {
		res["stores"] = obj{"yaml": stores.YAML.Indent, "json": stores.JSON.Indent,
			"json_binary": stores.JSONBinary.Indent}
	}
	c, err := config.LoadCreationRuleForFile(args[0], args[1], nil)
	if err != nil {
		res["error"] = err.Error()
	} else {
		res["rule"] = rule(c)
	}
	emit(res)
}

func lookup() {
	r, err := config.LookupConfigFile(".")
	res := obj{"path": r.Path, "warning": r.Warning}
	if err != nil {
		res["error"] = err.Error()
	}
	emit(res)
}

var _ = sops.KeyGroup{}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "shamir-split":
		shamirSplit(args)
	case "shamir-combine":
		shamirCombine(args)
	case "regex":
		regexCases()
	case "config":
		configRule(args)
	case "lookup":
		lookup()
	default:
		usage()
	}
}
