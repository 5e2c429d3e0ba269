#!/bin/sh
# The bash completion (completion/nt_flash) as bash drives it: sourced, it
# registers itself for nt_flash; given COMP_WORDS split the way bash splits
# a command line (at the COMP_WORDBREAKS characters, "=", "@" and ":"
# among them) and COMP_CWORD, _nt_flash leaves the candidates in COMPREPLY. Its
# option and --simulate key lists are checked against what the binary
# accepts, so a new option without completion fails here.
set -u
. "$top_srcdir/tests/lib/tap.sh"
command -v bash >/dev/null 2>&1 || tap_skip_all "bash is not installed"
COMPLETION=$top_srcdir/completion/nt_flash
export COMPLETION

# comp WORD...: the candidates, one a line in $T/out (sorted), for the last
# WORD; the words are given as bash splits them.
comp() {
    bash -c '. "$COMPLETION" || exit 1
             COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
             COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
             _nt_flash; printf "%s\n" "${COMPREPLY[@]}"' comp "$@" | LC_ALL=C sort >"$T/out"
}
# got LINES...: $T/out is exactly these lines
got() {
    printf '%s\n' "$@" | LC_ALL=C sort >"$T/want"
    cmp -s "$T/want" "$T/out" || tl_fail "candidates: $(tr '\n' ' ' <"$T/out"), wanted: $*"
}

begin registered
bash -c '. "$COMPLETION" && complete -p nt_flash' >"$T/out" 2>&1 || tl_fail "sourcing failed: $(cat "$T/out")"
grep -qx 'complete -F _nt_flash nt_flash' "$T/out" || tl_fail "complete -p: $(cat "$T/out")"
end

begin option_prefix
comp nt_flash --sim
got --simulate
comp nt_flash --ver
got --verbose --version
end

# Every long option --help lists is offered for "--", and nothing else.
begin every_option
"$NT_FLASH" --help | sed -n '/^Options:/,/^$/p' | grep -o -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u >"$T/help"
[ -s "$T/help" ] || tl_fail "no options in --help"
comp nt_flash --
cmp -s "$T/help" "$T/out" || tl_fail "completion offers $(tr '\n' ' ' <"$T/out"), --help lists $(tr '\n' ' ' <"$T/help")"
end

begin simulate_key
comp nt_flash --simulate = fa
got fault=
end

# The same with "=" not a word break (COMP_WORDBREAKS changed by the user):
# the candidate is then the whole word.
begin simulate_key_no_break
bash -c '. "$COMPLETION"; COMP_WORDBREAKS=" "; COMP_WORDS=(nt_flash --simulate=fa); COMP_CWORD=1
         _nt_flash; printf "%s\n" "${COMPREPLY[@]}"' >"$T/out"
got --simulate=fault=
end

# Every key the binary accepts, each once: the binary names them all when
# given an unknown one.
begin every_simulate_key
"$NT_FLASH" --list --simulate=no_such_key=1 2>&1 | sed -n 's/.*valid keys are //p' | tr -d ' ' | tr ',' '\n' |
    sed 's/$/=/' | LC_ALL=C sort >"$T/keys"
[ -s "$T/keys" ] || tl_fail "no key list from nt_flash"
comp nt_flash --simulate =
cmp -s "$T/keys" "$T/out" || tl_fail "completion offers $(tr '\n' ' ' <"$T/out"), nt_flash takes $(tr '\n' ' ' <"$T/keys")"
comp nt_flash --simulate = speed = 0,s
got 0,start= 0,stats= 0,sector_ms= 0,sysex_id=
end

begin simulate_values
comp nt_flash --simulate = start = m
got mboot
comp nt_flash --simulate = fault = un
got unplug@
# (readline replaces "@wr", the "@" included: bash keeps it as a prefix)
comp nt_flash --simulate = fault = unplug @ wr
got @write
comp nt_flash --simulate = fault = silent @ erase : 5
got 50
comp nt_flash --simulate = speed = 0,hab =
got open closed
end

# --port offers the ports --list prints; with --simulate on the line, the
# virtual modules' ports.
begin port_from_list
comp "$NT_FLASH" --simulate = modules = 3 --port ""
got sim-1 sim-2 sim-3
comp "$NT_FLASH" --simulate = modules = 3 --port = sim-2
got sim-2
end

# --firmware and a VERSION in place of the package: the versions
# `--releases --offline` prints (the cache; a stand-in program here prints
# what it was asked and two releases).
begin release_versions
cat >"$T/fake_nt_flash" <<'EOS'
#!/bin/sh
echo "$*" >"${0%/*}/fake.args"
printf '1.19.0\t14/10/2026\tNew algorithm\n1.18.0\t-\t-\n'
EOS
chmod +x "$T/fake_nt_flash"
comp "$T/fake_nt_flash" --firmware ""
got 1.19.0 1.18.0
[ "$(cat "$T/fake.args")" = "--releases --offline" ] || tl_fail "asked: $(cat "$T/fake.args")"
comp "$T/fake_nt_flash" --release-page = http://mirror/p.html --firmware = 1.1
got 1.19.0 1.18.0
[ "$(cat "$T/fake.args")" = "--releases --offline --release-page=http://mirror/p.html" ] ||
    tl_fail "asked: $(cat "$T/fake.args")"
(cd "$T" && comp "$T/fake_nt_flash" --batch 1.19)
got 1.19.0
end

begin package_files
mkdir -p "$T/pk/folder" && : >"$T/pk/a.zip" && : >"$T/pk/notes.txt"
(cd "$T/pk" && comp nt_flash --batch "")
got a.zip folder
end

finish
