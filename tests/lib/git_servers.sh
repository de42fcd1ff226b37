# Git servers for the Git source suites, on 127.0.0.1 and free ports, all
# stopped by git_servers_stop. Source this file; it is not a suite.
#
#   git_daemon ROOT          git://127.0.0.1:$GIT_DAEMON_PORT/<repo>
#   git_http ROOT USER PASS TOKEN
#                            http://127.0.0.1:$GIT_HTTP_PORT/{public,basic,bearer}/<repo>
#                            lighttpd + git http-backend; /basic needs USER:PASS
#                            (mod_auth), /bearer needs "Authorization: Bearer TOKEN"
#   git_sshd DIR             ssh://root@127.0.0.1:$GIT_SSH_PORT/<abs path>
#                            OpenSSH sshd with one ed25519 host key; sets
#                            GIT_SSH_KEY (client key), GIT_SSH_KNOWN_HOSTS

GIT_SERVER_PIDS=""

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: up to 5 s for a listener.
wait_port() {
    for _ in $(seq 50); do
        python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $1)))" && return 0
        sleep 0.1
    done
    return 1
}

git_daemon() {
    GIT_DAEMON_PORT=$(free_port)
    git daemon --reuseaddr --export-all --base-path="$1" --listen=127.0.0.1 \
        --port="$GIT_DAEMON_PORT" "$1" >/dev/null 2>&1 &
    GIT_SERVER_PIDS="$GIT_SERVER_PIDS $!"
    wait_port "$GIT_DAEMON_PORT"
}

git_http() {
    local root=$1 dir
    dir=$(mktemp -d)
    GIT_HTTP_PORT=$(free_port)
    printf '%s:%s\n' "$2" "$3" >"$dir/users"
    cat >"$dir/backend.cgi" <<EOF
#!/bin/sh
export GIT_PROJECT_ROOT='$root' GIT_HTTP_EXPORT_ALL=1
exec /usr/lib/git-core/git-http-backend
EOF
    cat >"$dir/bearer.cgi" <<EOF
#!/bin/sh
if [ "\$HTTP_AUTHORIZATION" != 'Bearer $4' ]; then
    printf 'Status: 401 Unauthorized\r\nWWW-Authenticate: Basic realm="git"\r\nContent-Type: text/plain\r\n\r\nno\n'
    exit 0
fi
export GIT_PROJECT_ROOT='$root' GIT_HTTP_EXPORT_ALL=1
exec /usr/lib/git-core/git-http-backend
EOF
    chmod +x "$dir/backend.cgi" "$dir/bearer.cgi"
    cat >"$dir/lighttpd.conf" <<EOF
server.modules = ("mod_alias", "mod_auth", "mod_authn_file", "mod_cgi")
server.document-root = "$dir"
server.bind = "127.0.0.1"
server.port = $GIT_HTTP_PORT
server.errorlog = "$dir/error.log"
server.max-request-size = 1048576
auth.backend = "plain"
auth.backend.plain.userfile = "$dir/users"
alias.url = ( "/public" => "$dir/backend.cgi", "/basic" => "$dir/backend.cgi",
              "/bearer" => "$dir/bearer.cgi" )
cgi.assign = ( ".cgi" => "" )
\$HTTP["url"] =~ "^/basic/" {
    auth.require = ( "" => ( "method" => "basic", "realm" => "git", "require" => "valid-user" ) )
}
EOF
    /usr/sbin/lighttpd -D -f "$dir/lighttpd.conf" >"$dir/out.log" 2>&1 &
    GIT_SERVER_PIDS="$GIT_SERVER_PIDS $!"
    wait_port "$GIT_HTTP_PORT"
}

git_sshd() {
    local dir=$1
    mkdir -p "$dir" /run/sshd
    GIT_SSH_PORT=$(free_port)
    ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
    ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key"
    ssh-keygen -q -t ed25519 -N '' -f "$dir/other_host_key"
    cp "$dir/client_key.pub" "$dir/authorized_keys"
    chmod 600 "$dir/authorized_keys"
    cat >"$dir/sshd_config" <<EOF
Port $GIT_SSH_PORT
ListenAddress 127.0.0.1
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PidFile $dir/sshd.pid
EOF
    "$(command -v sshd || echo /usr/sbin/sshd)" -D -e -f "$dir/sshd_config" 2>"$dir/sshd.log" &
    GIT_SERVER_PIDS="$GIT_SERVER_PIDS $!"
    GIT_SSH_KEY="$dir/client_key"
    GIT_SSH_KNOWN_HOSTS="$dir/known_hosts"
    printf '[127.0.0.1]:%s %s\n' "$GIT_SSH_PORT" "$(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$GIT_SSH_KNOWN_HOSTS"
    printf '[127.0.0.1]:%s %s\n' "$GIT_SSH_PORT" "$(cut -d' ' -f1,2 "$dir/other_host_key.pub")" >"$dir/wrong_known_hosts"
    wait_port "$GIT_SSH_PORT"
}

git_servers_stop() {
    local p
    for p in $GIT_SERVER_PIDS; do kill "$p" 2>/dev/null; done
    for p in $GIT_SERVER_PIDS; do wait "$p" 2>/dev/null; done
    GIT_SERVER_PIDS=""
}

# git_scratch: $W a temporary directory (removed, with the servers stopped,
# at exit), $CACHE covert's Git cache inside it, and a fixed commit identity.
git_scratch() {
    W=$(mktemp -d)
    CACHE="$W/cache"
    trap 'git_servers_stop; rm -rf "$W"' EXIT
    export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
}
