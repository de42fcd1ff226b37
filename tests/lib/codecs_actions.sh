# The comparisons run for each codec case, shared by tests/gen/codecs_cases.sh
# (expected outputs from sops's store code) and tests/parity/codecs_parity.sh
# (live comparison). codec_store SUBDIR prints the store that loads the case
# files of testvectors/codecs/cases/SUBDIR; codec_actions SUBDIR prints one
# line per comparison: NAME STORE-ARGS..., where STORE-ARGS go to both
# `sopsstore` and `doctool` before "STORE ACTION FILE" as
#   <flags> ACTION
codec_store() {
    case "$1" in
    json | flatten) echo json ;;
    *) echo "$1" ;;
    esac
}

codec_actions() {
    case "$1" in
    json)
        echo "tree tree"
        echo "rt -indent -1 roundtrip"
        echo "rt0 -indent 0 roundtrip"
        echo "rt2 -indent 2 roundtrip"
        echo "rt-2 -indent -2 roundtrip"
        echo "dotenv -to dotenv roundtrip"
        echo "ini -to ini roundtrip"
        echo "value -indent -1 value"
        echo "value4 -indent 4 value"
        ;;
    dotenv | ini)
        echo "tree tree"
        echo "rt roundtrip"
        echo "json -indent -1 -to json roundtrip"
        [ "$1" = ini ] && echo "dotenv -to dotenv roundtrip" || echo "ini -to ini roundtrip"
        echo "value value"
        ;;
    binary)
        echo "tree tree"
        echo "rt roundtrip"
        echo "json -indent -1 -to json roundtrip"
        ;;
    flatten)
        echo "flatten flatten"
        echo "flatten_sops -prefix sops_ flatten"
        echo "unflatten unflatten"
        ;;
    esac
}
