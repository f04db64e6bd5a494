# Sourced by bench/pdb.sh and bench/trace.sh: generates the large-debug-info
# benchmark crate under target/bench/pdb/crate and builds its test binary
# twice in one target dir (dependencies are shared between the two builds):
#   BIG_DEV  the default dev profile
#   BIG_OPT  the dev profile with [profile.dev.package.autopsy] opt-level = 3
# Needs REPO set to the repository root.

big_build() {
    local src="$REPO/bench/pdb/crate"
    BIG_DIR="$REPO/target/bench/pdb"
    BIG_CRATE="$BIG_DIR/crate"
    export CARGO_TARGET_DIR="$BIG_DIR/target"
    mkdir -p "$BIG_CRATE/tests/common"
    sed "s|@HARNESS@|$REPO/harness|" "$src/Cargo.toml.in" > "$BIG_CRATE/Cargo.toml.new"
    # Copy only when changed, so that cargo's fingerprints stay fresh.
    cmp -s "$BIG_CRATE/Cargo.toml.new" "$BIG_CRATE/Cargo.toml" || cp "$BIG_CRATE/Cargo.toml.new" "$BIG_CRATE/Cargo.toml"
    rm -f "$BIG_CRATE/Cargo.toml.new"
    local f
    for f in tests/big.rs tests/common/deps.rs tests/common/gdb.rs; do
        cmp -s "$src/$f" "$BIG_CRATE/$f" || cp "$src/$f" "$BIG_CRATE/$f"
    done
    echo "building the benchmark crate (dev profile; the first build takes several minutes)..." >&2
    BIG_DEV=$(big_exe) || return 1
    echo "building it again with [profile.dev.package.autopsy] opt-level = 3..." >&2
    BIG_OPT=$(big_exe --config 'profile.dev.package.autopsy.opt-level=3') || return 1
    [ "$BIG_DEV" != "$BIG_OPT" ] || { echo "both builds gave the same binary: $BIG_DEV" >&2; return 1; }
    export BIG_DEV BIG_OPT
}

# `test_exe DIR TARGET [CARGO ARGS...]`: builds test target TARGET of the crate
# in DIR (into $CARGO_TARGET_DIR) and prints its executable's path.
test_exe() {
    local dir=$1 target=$2
    shift 2
    (cd "$dir" && cargo test --no-run --test "$target" --message-format=json-render-diagnostics "$@") \
        | python3 -c '
import json, sys
exe = None
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == sys.argv[1] and m.get("executable"):
        exe = m["executable"]
if not exe:
    sys.exit("no test executable in cargo output")
print(exe)' "$target"
}

big_exe() {
    test_exe "$BIG_CRATE" big "$@"
}
