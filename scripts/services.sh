# Sourced: use the machine's PostgreSQL and Redis when they listen on their usual ports and no
# DATABASE_URL / REDIS_URL is set; otherwise the embedded stand-ins (SQLite, filesystem broker).
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "${DATABASE_URL+x}" ] && listening 5432; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${PORTAL_DB_NAME:-portal}"
fi
if [ -z "${REDIS_URL+x}" ] && listening 6379; then
  export REDIS_URL="redis://127.0.0.1:6379/${PORTAL_REDIS_DB:-0}"
fi
