#!/bin/sh
# The layer rule of doc/design.md, checked on the sources: every #include in
# lib/, backends/ and app/ names a header of the file's own layer or of a
# layer it may call, and the system headers of libusb, libcurl, curses,
# libzip, cJSON and libxml2 appear only in the one layer that owns each. The build
# already refuses most wrong-way project includes (each layer's include path
# holds only what it may see); this catches the rest, system headers that
# sit on the default include path among them.
#
#   sh tests/layers.sh            TAP cases: the tree passes, planted
#                                 wrong-way includes are caught
#   sh tests/layers.sh --check DIR   check the tree at DIR; one line per
#                                 violation on stdout, exit 1 if any
set -u

# allowed FOLDER: the layers (by folder) whose headers FOLDER may include.
allowed() {
    case $1 in
    lib/base) echo "lib/base" ;;
    lib/transport) echo "lib/base lib/transport" ;;
    lib/proto) echo "lib/base lib/transport lib/proto" ;;
    lib/pkg) echo "lib/base lib/pkg" ;;
    lib/session) echo "lib/base lib/transport lib/proto lib/pkg lib/session" ;;
    backends/usb) echo "lib/base lib/transport backends/usb" ;;
    backends/vmod) echo "lib/base lib/transport backends/vmod" ;;
    backends/fetch) echo "lib/base backends/fetch" ;;
    app/ui) echo "lib/base lib/transport lib/proto lib/pkg lib/session app/ui" ;;
    app) echo "lib/base lib/transport lib/proto lib/pkg lib/session backends/usb backends/vmod backends/fetch app/ui app" ;;
    *) echo "" ;;
    esac
}

# system_owner HEADER: the one folder allowed to include a library's header,
# or nothing for headers anyone may use.
system_owner() {
    case $1 in
    libusb.h | libusb-1.0/*) echo backends/usb ;;
    curl/*) echo backends/fetch ;;
    libxml/*) echo backends/fetch ;;
    curses.h | ncurses.h | ncursesw/* | term.h | panel.h) echo app/ui ;;
    zip.h) echo lib/pkg ;;
    cJSON.h | cjson/*) echo "lib/pkg backends/vmod" ;;
    *) echo "" ;;
    esac
}

LAYERS="lib/base lib/transport lib/proto lib/pkg lib/session backends/usb backends/vmod backends/fetch app/ui app"

# check_tree DIR: print each violation as "FILE: includes X (reason)".
check_tree() {
    root=$1
    bad=0
    for layer in $LAYERS; do
        [ -d "$root/$layer" ] || continue
        ok=$(allowed "$layer")
        for f in "$root/$layer"/*.c "$root/$layer"/*.h; do
            [ -f "$f" ] || continue
            rel=${f#"$root"/}
            # project headers: #include "x.h"
            for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
                [ "$h" = config.h ] && continue
                home=
                for l in $LAYERS; do
                    [ -f "$root/$l/$h" ] && { home=$l; break; }
                done
                if [ -z "$home" ]; then
                    echo "$rel: includes \"$h\", which is in no layer"
                    bad=1
                    continue
                fi
                case " $ok " in
                *" $home "*) ;;
                *) echo "$rel: includes \"$h\" from $home, which $layer may not use"; bad=1 ;;
                esac
            done
            # system headers owned by one layer: #include <x>
            for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\([^>]*\)>.*/\1/p' "$f"); do
                owner=$(system_owner "$h")
                [ -n "$owner" ] || continue
                case " $owner " in
                *" $layer "*) ;;
                *) echo "$rel: includes <$h>, which only $owner may use"; bad=1 ;;
                esac
            done
        done
    done
    return $bad
}

if [ "${1:-}" = --check ]; then
    check_tree "$2"
    exit $?
fi

. "$top_srcdir/tests/lib/tap.sh"

# plant NAME FILE LINE: a copy of the tree with LINE added to FILE; the check
# must fail and name FILE.
plant() {
    rm -rf "$T/tree"
    mkdir -p "$T/tree"
    (cd "$top_srcdir" && cp -R lib backends app "$T/tree/")
    printf '%s\n' "$3" >>"$T/tree/$2"
    if check_tree "$T/tree" >"$T/violations"; then
        tl_fail "a planted '$3' in $2 was not caught"
    else
        grep -q "^$2: includes" "$T/violations" || tl_fail "the report does not name $2: $(cat "$T/violations")"
    fi
}

t_tree_follows_the_layers() {
    check_tree "$top_srcdir" >"$T/violations" || tl_fail "$(cat "$T/violations")"
}
tap_case tree_follows_the_layers

t_planted_backend_header_in_session() {
    plant x lib/session/session.c '#include "usb.h"'
}
tap_case planted_backend_header_in_session

t_planted_front_end_header_in_proto() {
    plant x lib/proto/mboot.c '#include "ui.h"'
}
tap_case planted_front_end_header_in_proto

t_planted_session_header_in_transport() {
    plant x lib/transport/trace.c '#include "session.h"'
}
tap_case planted_session_header_in_transport

t_planted_curl_outside_fetch() {
    plant x lib/pkg/pkg.c '#include <curl/curl.h>'
}
tap_case planted_curl_outside_fetch

t_planted_libxml_outside_fetch() {
    plant x app/main.c '#include <libxml/HTMLparser.h>'
}
tap_case planted_libxml_outside_fetch

t_planted_curses_outside_ui() {
    plant x app/main.c '#include <curses.h>'
}
tap_case planted_curses_outside_ui

t_planted_libusb_in_vmod() {
    plant x backends/vmod/vmod_fl.c '#include <libusb.h>'
}
tap_case planted_libusb_in_vmod

t_planted_app_header_in_ui() {
    plant x app/ui/ui_run.c '#include "cli.h"'
}
tap_case planted_app_header_in_ui

# The build's own guard: with a layer's include path, a header from a layer
# above it does not even compile.
t_compiler_refuses_wrong_way_include() {
    printf '#include "usb.h"\nint x;\n' >"$T/wrong.c"
    # shellcheck disable=SC2086 # the include flags are a list
    if ${CC:-cc} -fsyntax-only ${NT_INC_SESSION:?run through make check} "$T/wrong.c" 2>"$T/cc.err"; then
        tl_fail "the session's include path reaches usb.h"
    else
        grep -q 'usb.h' "$T/cc.err" || tl_fail "unexpected compiler error: $(cat "$T/cc.err")"
    fi
}
tap_case compiler_refuses_wrong_way_include

finish
