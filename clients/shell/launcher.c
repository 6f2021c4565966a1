/*
 * oras-launcher: runs one `oras` command line in the orasd daemon (JSON-RPC `cli/run` over its
 * Unix socket, newline-delimited JSON) and plays back its output, prompts and stdin reads.
 * It is started once per `oras` call from shell scripts, so it must cost about a millisecond:
 * libc only, no JSON library, no stdio buffering. Behaves like src/bin/forward.ts.
 *
 *   cc -O2 -Wall -Wextra -DORASD_VERSION='"0.1.0"' -o .bin/oras-launcher launcher.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "launcher_rules.h" /* generated from protocol/ */

#ifndef ORASD_VERSION
#define ORASD_VERSION "0.0.0"
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS: SO_NOSIGPIPE is set on the socket instead */
#endif

#define RPC_CANCELLED (-32800)
#define DAEMON_OUTDATED 1200
#define SPAWN_TIMEOUT_MS 15000
/* Far above anything the daemon sends (its own limit is 16 MiB); only guards against runaway. */
#define MAX_LINE (512u << 20)
/* Raw stdin bytes per cli/stdin answer: base64 of it must stay under the daemon's 16 MiB. */
#define MAX_STDIN_CHUNK (8u << 20)

extern char **environ;

static char *self_path; /* argv[0], to find the daemon next to us */
static int sock = -1;
static int sig_r = -1, sig_w = -1; /* self-pipe: SIGINT wakes up poll() */
static volatile sig_atomic_t sigints;
static int cancel_sent;
static int tty_fd = -1; /* terminal whose echo we turned off, restored on every exit path */
static struct termios tty_saved;

static void restore_tty(void) {
  if (tty_fd >= 0) tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
  tty_fd = -1;
}

static void bye(int code) {
  restore_tty();
  exit(code);
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("Error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  bye(1);
}

/* ---- growable byte buffer ---- */

typedef struct {
  char *p;
  size_t len, cap;
} buf;

static void reserve(buf *b, size_t more) {
  if (b->len + more <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more) cap *= 2;
  if (cap > MAX_LINE + 65536) die("message from the daemon larger than %u bytes", MAX_LINE);
  if (!(b->p = realloc(b->p, cap))) die("out of memory");
  b->cap = cap;
}

static void put(buf *b, const char *s, size_t n) {
  reserve(b, n);
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_json(buf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  reserve(b, 2);
  b->p[b->len++] = '"';
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\') {
      char e[2] = {'\\', (char)*c};
      put(b, e, 2);
    } else if (*c < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hex[*c >> 4], hex[*c & 15]};
      put(b, e, 6);
    } else {
      put(b, (const char *)c, 1); /* non-ASCII bytes go as they are: the daemon decodes UTF-8 */
    }
  }
  put(b, "\"", 1);
}

static void put_base64(buf *b, const unsigned char *s, size_t n) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  reserve(b, (n + 2) / 3 * 4);
  char *o = b->p + b->len;
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
    *o++ = a[v >> 18], *o++ = a[v >> 12 & 63], *o++ = a[v >> 6 & 63], *o++ = a[v & 63];
  }
  if (i < n) {
    unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0);
    *o++ = a[v >> 18], *o++ = a[v >> 12 & 63];
    *o++ = i + 1 < n ? a[v >> 6 & 63] : '=';
    *o++ = '=';
  }
  b->len = (size_t)(o - b->p);
}

/* ---- I/O that survives EINTR and non-blocking descriptors inherited from the caller ---- */

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = fd == sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        struct pollfd q = {fd, POLLOUT, 0};
        poll(&q, 1, -1);
        continue;
      }
      return -1;
    }
    p += w, n -= (size_t)w;
  }
  return 0;
}

static void send_msg(buf *b) {
  if (write_all(sock, b->p, b->len) < 0) die("lost the connection to the daemon: %s", strerror(errno));
}

static void on_sigint(int sig) {
  (void)sig;
  int e = errno;
  sigints++;
  if (write(sig_w, "", 1) < 0) { /* the pipe is full: a wake-up is already pending */
  }
  errno = e;
}

/* Ctrl-C while the command runs: ask the daemon to cancel it and wait for its answer; a second
 * Ctrl-C stops waiting. */
static void interrupt(void) {
  char drain[64];
  while (read(sig_r, drain, sizeof drain) > 0) {
  }
  if (cancel_sent) bye(130);
  cancel_sent = 1;
  static const char msg[] = "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":1}}\n";
  write_all(sock, msg, sizeof msg - 1);
}

/* Waits until fd is readable (or closed); returns -1 if Ctrl-C came first. */
static int wait_readable(int fd) {
  struct pollfd p[2] = {{fd, POLLIN, 0}, {sig_r, POLLIN, 0}};
  for (;;) {
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll: %s", strerror(errno));
    }
    if (p[1].revents) {
      interrupt();
      return -1;
    }
    if (p[0].revents) return 0;
  }
}

static int ms_since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

static void sleep_ms(int ms) {
  struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&d, NULL);
  if (sigints) bye(130); /* nothing is running in the daemon yet */
}

/* ---- finding and starting the daemon (protocol/endpoint.ts, clients/typescript/connect.ts) ---- */

static char *str_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = malloc((size_t)n + 1);
  if (!s) die("out of memory");
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

static char *trim_slashes(const char *s) {
  char *d = strdup(s);
  size_t n = strlen(d);
  while (n > 1 && d[n - 1] == '/') d[--n] = 0;
  return d;
}

static char *socket_path(void) {
  const char *s = getenv(SOCKET_ENV);
  if (s && *s) return strdup(s);
  s = getenv(RUNTIME_DIR_ENV);
  if (s && *s) return str_printf("%s/%s", trim_slashes(s), RUNTIME_SOCKET);
  const char *tmp = NULL;
  for (const char *const *e = TMP_ENVS; *e && !(tmp && *tmp); e++) tmp = getenv(*e);
  if (!tmp || !*tmp) tmp = TMP_DEFAULT;
  return str_printf("%s/%s%u/%s", trim_slashes(tmp), TMP_FOLDER_PREFIX, (unsigned)getuid(), SOCKET_NAME);
}

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return strdup(".");
  if (slash == path) return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

static void mkdir_private(const char *dir) {
  if (mkdir(dir, 0700) == 0 || errno == EEXIST) return;
  if (errno == ENOENT) {
    char *parent = dir_of(dir);
    if (strcmp(parent, dir) != 0) mkdir_private(parent);
    free(parent);
    if (mkdir(dir, 0700) == 0 || errno == EEXIST) return;
  }
  die("cannot create the socket folder %s: %s", dir, strerror(errno));
}

/* Another user's folder could hold a fake daemon that receives our commands and prompts
 * (passwords): the rule of every client and of the daemon, checked before anything is sent. */
static void check_private(const char *dir) {
  struct stat st;
  if (lstat(dir, &st) < 0) return; /* missing: created 0700 before a daemon is started there */
  if (!S_ISDIR(st.st_mode)) die(FOLDER_NOT_DIRECTORY "; " CLIENT_REFUSAL, dir);
  if (st.st_uid != getuid()) die(FOLDER_NOT_OWNED "; " CLIENT_REFUSAL, dir, (unsigned)st.st_uid, (unsigned)getuid());
  if (st.st_mode & FOLDER_FORBIDDEN_MODE) die(FOLDER_OPEN "; " CLIENT_REFUSAL, dir, (unsigned)(st.st_mode & 0777));
}

static void cloexec(int fd) { fcntl(fd, F_SETFD, FD_CLOEXEC); }

/* Whether "NAME=value" is named in `names` or starts with one of `prefixes` (lists of
 * launcher_rules.h). */
static int env_listed(const char *kv, const char *const *names, const char *const *prefixes) {
  const char *eq = strchr(kv, '=');
  if (!eq) return 0;
  size_t n = (size_t)(eq - kv);
  for (; *prefixes; prefixes++)
    if (n >= strlen(*prefixes) && strncmp(kv, *prefixes, strlen(*prefixes)) == 0) return 1;
  for (; *names; names++)
    if (strlen(*names) == n && strncmp(kv, *names, n) == 0) return 1;
  return 0;
}

static int try_connect(const char *path) {
  struct sockaddr_un a = {0};
  a.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof a.sun_path) die("socket path too long (max %zu bytes): %s", sizeof a.sun_path - 1, path);
  strcpy(a.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) die("socket: %s", strerror(errno));
  cloexec(fd);
#ifdef SO_NOSIGPIPE
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  while (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    if (errno == EINTR && !sigints) continue;
    int e = errno;
    close(fd);
    if (sigints) bye(130);
    errno = e;
    return -1;
  }
  return fd;
}

/* NULL when the launcher cannot tell where it is. */
static char *find_daemon_main(void) {
  const char *bin = getenv("ORASD_BIN");
  if (bin && *bin) return strdup(bin);
  /* <repo>/clients/shell/.bin/oras-launcher → <repo>/dist/src/main.js */
  char *me = realpath("/proc/self/exe", NULL);
  if (!me) me = realpath(self_path, NULL);
  if (!me) return NULL;
  for (int i = 0; i < 4; i++) {
    char *slash = strrchr(me, '/');
    if (slash) *slash = 0;
  }
  char *main_js = str_printf("%s/dist/src/main.js", me);
  free(me);
  return main_js;
}

static char *daemon_main(void) {
  char *main_js = find_daemon_main();
  if (!main_js) die("cannot tell where the launcher is; set ORASD_BIN to orasd's dist/src/main.js");
  return main_js;
}

/* The build id the daemon next to main.js reports (protocol/build.ts: $ORASD_BUILD_ID, else the
 * line `npm run build` writes to dist/build-id). Sent in cli/run, so that a daemon of the same
 * version but another build (a rebuild, a reinstall) retires and this launcher starts its own.
 * NULL (nothing sent: versions alone decide) when there is no such file. */
static char *build_id(void) {
  const char *env = getenv("ORASD_BUILD_ID");
  if (env && *env) return strdup(env);
  /* dist/src/main.js → dist/build-id */
  char *main_js = find_daemon_main(), *file, line[72] = {0};
  if (!main_js) return NULL;
  char *slash = strrchr(main_js, '/');
  if (!slash) {
    file = str_printf("../build-id");
  } else {
    *slash = 0;
    if ((slash = strrchr(main_js, '/'))) *slash = 0;
    file = str_printf("%s/build-id", slash || !*main_js ? main_js : ".");
  }
  free(main_js);
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  free(file);
  if (fd < 0) return NULL;
  ssize_t n = read(fd, line, sizeof line - 1);
  close(fd);
  if (n <= 0) return NULL;
  size_t len = strcspn(line, "\r\n");
  if (len == 0 || len > 64 || strspn(line, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-") < len) return NULL;
  return strndup(line, len);
}

static void exec_node(const char *main_js, char **args, int nargs) {
  char **v = calloc((size_t)nargs + 3, sizeof *v);
  if (!v) die("out of memory");
  v[0] = "node";
  v[1] = (char *)main_js;
  for (int i = 0; i < nargs; i++) v[i + 2] = args[i];
  execvp("node", v);
}

/* Starts `node main.js serve` detached (own session, stdio on /dev/null) and returns its pid. */
static pid_t spawn_daemon(const char *path, const char *main_js) {
  /* It runs in the socket's folder: relative names would no longer resolve there. */
  char *cwd = getcwd(NULL, 0);
  if (path[0] != '/' && cwd) path = str_printf("%s/%s", cwd, path);
  if (main_js[0] != '/' && cwd) main_js = str_printf("%s/%s", cwd, main_js);
  free(cwd);
  char *dir = dir_of(path);
  int p[2];
  if (pipe(p) < 0) die("pipe: %s", strerror(errno));
  cloexec(p[0]), cloexec(p[1]);
  pid_t child = fork();
  if (child < 0) die("fork: %s", strerror(errno));
  if (child == 0) {
    /* Double fork: the daemon is nobody's child, so it is never left a zombie of ours. */
    setsid();
    pid_t daemon_pid = fork();
    if (daemon_pid == 0) {
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0), dup2(null, 1), dup2(null, 2);
      /* Descriptors our caller leaked to us (pipes it waits on) must not live as long as the daemon. */
      long max_fd = sysconf(_SC_OPEN_MAX);
      for (int fd = 3; fd < (max_fd > 0 && max_fd < 65536 ? max_fd : 65536); fd++)
        if (fd != p[1]) close(fd);
      /* Not our environment (credentials, proxies: each request brings its caller's), and not
       * our folder, which the daemon would otherwise hold busy for its lifetime. */
      size_t n = 0, k = 0;
      for (char **e = environ; *e; e++) n++;
      char **env = calloc(n + 2, sizeof *env);
      if (!env) _exit(127);
      for (char **e = environ; *e; e++)
        if (env_listed(*e, DAEMON_ENV_NAMES, DAEMON_ENV_PREFIXES) && strncmp(*e, SOCKET_ENV "=", strlen(SOCKET_ENV) + 1) != 0) env[k++] = *e;
      env[k++] = str_printf("%s=%s", SOCKET_ENV, path);
      environ = env; /* execvp searches this PATH and passes this environment on */
      if (chdir(dir) < 0) _exit(127); /* reported as "it exited" */
      char *args[] = {"serve", "--socket", (char *)path, "--idle-timeout-default", "1800"};
      exec_node(main_js, args, 5);
      int e = errno;
      if (write(p[1], &e, sizeof e) < 0) {
      }
      _exit(127);
    }
    if (write(p[1], &daemon_pid, sizeof daemon_pid) < 0) {
    }
    _exit(0);
  }
  close(p[1]);
  while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
  }
  pid_t pid = -1;
  int e = 0;
  ssize_t n;
  while ((n = read(p[0], &pid, sizeof pid)) < 0 && errno == EINTR) {
  }
  if (n != sizeof pid || pid < 0) die("cannot start the daemon (fork failed)");
  while ((n = read(p[0], &e, sizeof e)) < 0 && errno == EINTR) {
  }
  close(p[0]);
  if (n == sizeof e) die("cannot start the daemon: node: %s", strerror(e));
  return pid;
}

/* Connects to the daemon, starting one when none answers. Launchers racing here serialise on a
 * lock next to the socket, so only the first starts a daemon and the others connect to it. */
static int connect_daemon(const char *path) {
  char *dir = dir_of(path);
  check_private(dir);
  int fd = try_connect(path);
  if (fd >= 0) return fd;
  if (errno != ENOENT && errno != ECONNREFUSED) die("cannot connect to orasd at %s: %s", path, strerror(errno));

  mkdir_private(dir);
  check_private(dir);
  char *lock_path = str_printf("%s.spawn.lock", path);
  int lock = open(lock_path, O_RDWR | O_CREAT, 0600);
  if (lock < 0) die("cannot open %s: %s", lock_path, strerror(errno));
  cloexec(lock); /* the daemon must not inherit it, or it would hold the lock for its lifetime */
  while (flock(lock, LOCK_EX) < 0) {
    if (sigints) bye(130);
    if (errno != EINTR) die("cannot lock %s: %s", lock_path, strerror(errno));
  }
  fd = try_connect(path);
  if (fd < 0) {
    char *main_js = daemon_main();
    if (access(main_js, R_OK) != 0) die("cannot find the daemon at %s: run `npm run build`, or set ORASD_BIN", main_js);
    pid_t pid = spawn_daemon(path, main_js);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* A refused connect costs microseconds; a coarse poll made every cold command wait up to
     * 50 ms longer than the daemon took to start. */
    while ((fd = try_connect(path)) < 0) {
      int e = errno, gone = kill(pid, 0) < 0 && errno == ESRCH;
      if (gone && (fd = try_connect(path)) >= 0) break;
      if (gone || ms_since(&t0) > SPAWN_TIMEOUT_MS) {
        die("orasd did not start on %s (%s); run `node %s serve --socket %s` to see why", path,
            gone ? "it exited" : strerror(e), main_js, path);
      }
      sleep_ms(1);
    }
  }
  close(lock);
  free(lock_path);
  free(dir);
  return fd;
}

/* ---- the cli/run request ---- */


static void build_run(buf *b, int argc, char **argv) {
  b->len = 0;
  puts_(b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"cli/run\",\"params\":{\"token\":1,\"argv\":[");
  for (int i = 1; i < argc; i++) {
    if (i > 1) puts_(b, ",");
    put_json(b, argv[i]);
  }
  char *cwd = getcwd(NULL, 0);
  puts_(b, "],\"cwd\":");
  put_json(b, cwd ? cwd : (getenv("PWD") ? getenv("PWD") : "/"));
  free(cwd);
  puts_(b, ",\"env\":{");
  int first = 1;
  for (char **e = environ; *e; e++) {
    if (!env_listed(*e, FORWARDED_ENV_NAMES, FORWARDED_ENV_PREFIXES)) continue;
    char *eq = strchr(*e, '='), *key = strndup(*e, (size_t)(eq - *e));
    if (!first) puts_(b, ",");
    first = 0;
    put_json(b, key);
    puts_(b, ":");
    put_json(b, eq + 1);
    free(key);
  }
  struct winsize ws = {0};
  int columns = 0;
  if (isatty(2) && ioctl(2, TIOCGWINSZ, &ws) == 0) columns = ws.ws_col;
  else if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0) columns = ws.ws_col;
  const char *version = getenv("ORASD_VERSION_OVERRIDE"); /* as src/version.ts: for handshake tests */
  char tail[160];
  snprintf(tail, sizeof tail, "},\"stdinIsTTY\":%s,\"stdoutIsTTY\":%s,\"stderrIsTTY\":%s,\"columns\":%d,\"clientVersion\":",
           isatty(0) ? "true" : "false", isatty(1) ? "true" : "false", isatty(2) ? "true" : "false", columns);
  puts_(b, tail);
  put_json(b, version && *version ? version : ORASD_VERSION);
  char *build = build_id();
  if (build) {
    puts_(b, ",\"clientBuild\":");
    put_json(b, build);
    free(build);
  }
  puts_(b, "}}\n");
}

/* ---- a minimal JSON scanner: finds the few members we need, skips everything else ---- */

typedef struct {
  char *s; /* raw text: a string's content without quotes, else the literal */
  size_t n;
  int is_str;
} span;

typedef struct {
  span method, id, stream, data, message, secret, max_bytes, exit_code, err_code, err_message;
  int has_result, has_error;
} msg;

enum { AT_TOP, AT_PARAMS, AT_RESULT, AT_ERROR, AT_OTHER };

static char *ws(char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

static char *skip_string(char *p) { /* p at the opening quote; returns past the closing one */
  for (p++; *p; p++) {
    if (*p == '\\') {
      if (!*++p) return NULL;
    } else if (*p == '"') {
      return p + 1;
    }
  }
  return NULL;
}

static unsigned hex4(const char *p, const char *end) {
  if (end - p < 4) return ~0u;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return ~0u;
    v = v << 4 | (unsigned)d;
  }
  return v;
}

/* Decodes a JSON string's content in place (never longer than its escaped form); lone
 * surrogates become U+FFFD, as when Node writes such a string. Returns the new length. */
static size_t unescape(char *s, size_t n) {
  char *o = s, *p = s, *end = s + n;
  while (p < end) {
    if (*p != '\\') {
      *o++ = *p++;
      continue;
    }
    char c = p[1];
    p += 2;
    switch (c) {
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'n': *o++ = '\n'; break;
    case 'r': *o++ = '\r'; break;
    case 't': *o++ = '\t'; break;
    case 'u': {
      unsigned cp = hex4(p, end);
      if (cp == ~0u) {
        *o++ = '?';
        break;
      }
      p += 4;
      if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
        unsigned lo = hex4(p + 2, end);
        if (lo >= 0xdc00 && lo < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          p += 6;
        }
      }
      if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
      if (cp < 0x80) {
        *o++ = (char)cp;
      } else if (cp < 0x800) {
        *o++ = (char)(0xc0 | cp >> 6), *o++ = (char)(0x80 | (cp & 63));
      } else if (cp < 0x10000) {
        *o++ = (char)(0xe0 | cp >> 12), *o++ = (char)(0x80 | (cp >> 6 & 63)), *o++ = (char)(0x80 | (cp & 63));
      } else {
        *o++ = (char)(0xf0 | cp >> 18), *o++ = (char)(0x80 | (cp >> 12 & 63));
        *o++ = (char)(0x80 | (cp >> 6 & 63)), *o++ = (char)(0x80 | (cp & 63));
      }
      break;
    }
    default: *o++ = c; /* \" \\ \/ */
    }
  }
  return (size_t)(o - s);
}

static int is(span *v, const char *lit) { return v->s && strlen(lit) == v->n && memcmp(v->s, lit, v->n) == 0; }

static char *value(char *p, int where, msg *m, int depth);

/* Walks an object's members, recording those that `where` asks for. */
static char *object(char *p, int where, msg *m, int depth) {
  p = ws(p + 1);
  if (*p == '}') return p + 1;
  for (;;) {
    if (*p != '"') return NULL;
    char *k = p + 1, *after = skip_string(p);
    if (!after) return NULL;
    span key = {k, (size_t)(after - 1 - k), 1};
    if (memchr(key.s, '\\', key.n)) key.n = unescape(key.s, key.n);
    p = ws(after);
    if (*p != ':') return NULL;
    p = ws(p + 1);
    span *slot = NULL;
    int inner = AT_OTHER;
    if (where == AT_TOP) {
      if (is(&key, "method")) slot = &m->method;
      else if (is(&key, "id")) slot = &m->id;
      else if (is(&key, "params")) inner = AT_PARAMS;
      else if (is(&key, "result")) inner = AT_RESULT, m->has_result = 1;
      else if (is(&key, "error")) inner = AT_ERROR, m->has_error = 1;
    } else if (where == AT_PARAMS) {
      if (is(&key, "stream")) slot = &m->stream;
      else if (is(&key, "data")) slot = &m->data;
      else if (is(&key, "message")) slot = &m->message;
      else if (is(&key, "secret")) slot = &m->secret;
      else if (is(&key, "maxBytes")) slot = &m->max_bytes;
    } else if (where == AT_RESULT) {
      if (is(&key, "exitCode")) slot = &m->exit_code;
    } else if (where == AT_ERROR) {
      if (is(&key, "code")) slot = &m->err_code;
      else if (is(&key, "message")) slot = &m->err_message;
    }
    char *start = p;
    if (!(p = value(p, inner, m, depth + 1))) return NULL;
    if (slot) {
      int str = *start == '"';
      *slot = (span){start + str, (size_t)(p - start) - 2 * (size_t)str, str};
    }
    p = ws(p);
    if (*p == ',') {
      p = ws(p + 1);
      continue;
    }
    return *p == '}' ? p + 1 : NULL;
  }
}

/* Returns the end of the value at p; objects named by `where` are walked, others skipped. */
static char *value(char *p, int where, msg *m, int depth) {
  if (depth > 256) return NULL;
  if (*p == '"') return skip_string(p);
  if (*p == '{') return object(p, where, m, depth);
  if (*p == '[') {
    p = ws(p + 1);
    if (*p == ']') return p + 1;
    for (;;) {
      if (!(p = value(p, AT_OTHER, m, depth + 1))) return NULL;
      p = ws(p);
      if (*p == ',') {
        p = ws(p + 1);
        continue;
      }
      return *p == ']' ? p + 1 : NULL;
    }
  }
  char *q = p; /* number, true, false, null */
  while (*q && strchr("+-.0123456789eEtrufalsn", *q)) q++;
  return q == p ? NULL : q;
}

/* ---- answering the daemon ---- */

static buf out; /* messages we send */

static void reply_start(span *id) {
  out.len = 0;
  puts_(&out, "{\"jsonrpc\":\"2.0\",\"id\":");
  if (id->is_str) put(&out, "\"", 1);
  put(&out, id->s, id->n); /* echoed as it came, escapes included */
  if (id->is_str) put(&out, "\"", 1);
}

static void reply_error(span *id, int code, const char *message) {
  reply_start(id);
  char head[64];
  snprintf(head, sizeof head, ",\"error\":{\"code\":%d,\"message\":", code);
  puts_(&out, head);
  put_json(&out, message);
  puts_(&out, "}}\n");
  send_msg(&out);
}

/* cli/prompt: ask on the terminal (stderr/stdin without one), not echoing secrets. */
static void prompt(msg *m) {
  m->message.n = unescape(m->message.s, m->message.n);
  int tty = open("/dev/tty", O_RDWR | O_NOCTTY);
  if (tty >= 0) cloexec(tty);
  int in = tty >= 0 ? tty : 0, echo_to = tty >= 0 ? tty : 2;
  int secret = is(&m->secret, "true");
  write_all(echo_to, m->message.s, m->message.n);
  if (secret && tcgetattr(in, &tty_saved) == 0) {
    struct termios t = tty_saved;
    t.c_lflag &= ~(tcflag_t)ECHO;
    tty_fd = in;
    tcsetattr(in, TCSAFLUSH, &t);
  }
  buf line = {0};
  int cancelled = 0;
  for (;;) { /* byte by byte: what follows the answer on stdin is not ours to take */
    if (wait_readable(in) < 0) {
      cancelled = 1;
      break;
    }
    char c;
    ssize_t n = read(in, &c, 1);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0 || c == '\n') break;
    put(&line, &c, 1);
  }
  if (tty_fd >= 0) {
    restore_tty();
    write_all(echo_to, "\n", 1);
  }
  if (tty >= 0) close(tty);
  if (cancelled) {
    reply_error(&m->id, RPC_CANCELLED, "cancelled at the terminal");
  } else {
    if (line.len && line.p[line.len - 1] == '\r') line.len--;
    put(&line, "", 1);
    reply_start(&m->id);
    puts_(&out, ",\"result\":{\"value\":");
    put_json(&out, line.p);
    puts_(&out, "}}\n");
    send_msg(&out);
  }
  free(line.p);
}

/* cli/stdin: the next chunk of our stdin, read only when the command asks for it. */
static void read_stdin(msg *m) {
  static int eof;
  static unsigned char *chunk;
  long max = m->max_bytes.s ? strtol(m->max_bytes.s, NULL, 10) : 65536;
  if (max < 1) max = 1;
  if (max > (long)MAX_STDIN_CHUNK) max = MAX_STDIN_CHUNK;
  if (!chunk && !(chunk = malloc(MAX_STDIN_CHUNK))) die("out of memory");
  ssize_t n = 0;
  while (!eof) {
    if (wait_readable(0) < 0) {
      reply_error(&m->id, RPC_CANCELLED, "cancelled while reading stdin");
      return;
    }
    n = read(0, chunk, (size_t)max);
    if (n > 0) break;
    if (n == 0 || errno == EBADF) {
      eof = 1, n = 0;
    } else if (errno != EINTR && errno != EAGAIN) {
      char why[128];
      snprintf(why, sizeof why, "cannot read stdin: %s", strerror(errno));
      reply_error(&m->id, -32603, why);
      return;
    }
  }
  reply_start(&m->id);
  puts_(&out, ",\"result\":{\"data\":\"");
  put_base64(&out, chunk, (size_t)n);
  puts_(&out, eof ? "\",\"eof\":true}}\n" : "\",\"eof\":false}}\n");
  send_msg(&out);
}

#define KEEP_READING INT_MIN
#define RETRY (INT_MIN + 1)

/* Handles one message; returns an exit code when the run is over, RETRY, or KEEP_READING. */
static int handle(char *line, int may_retry) {
  msg m = {0};
  char *p = ws(line);
  if (*p != '{' || !value(p, AT_TOP, &m, 0)) return KEEP_READING; /* not for us (or not JSON): ignore */
  if (m.method.s) {
    if (is(&m.method, "cli/output")) {
      m.data.n = unescape(m.data.s, m.data.n);
      write_all(is(&m.stream, "stderr") ? 2 : 1, m.data.s, m.data.n);
    } else if (m.id.s && is(&m.method, "cli/prompt") && m.message.s) {
      prompt(&m);
    } else if (m.id.s && is(&m.method, "cli/stdin")) {
      read_stdin(&m);
    } else if (m.id.s) {
      reply_error(&m.id, -32601, "method not handled by the oras launcher");
    }
    return KEEP_READING;
  }
  if (!is(&m.id, "1") || m.id.is_str) return KEEP_READING;
  if (m.has_error) {
    long code = m.err_code.s ? strtol(m.err_code.s, NULL, 10) : 0;
    if (code == DAEMON_OUTDATED && may_retry) return RETRY;
    if (code == RPC_CANCELLED || cancel_sent) return 130;
    m.err_message.n = m.err_message.s ? unescape(m.err_message.s, m.err_message.n) : 0;
    fprintf(stderr, "Error: %.*s\n", (int)m.err_message.n, m.err_message.s ? m.err_message.s : "the daemon failed");
    return 1;
  }
  if (cancel_sent) return 130; /* as a Go oras killed by Ctrl-C: the run was interrupted */
  return m.exit_code.s ? (int)strtol(m.exit_code.s, NULL, 10) : 0;
}

/* Reads the daemon's messages (one JSON per line) until the answer to cli/run. */
static int converse(int may_retry) {
  static buf in;
  size_t start = 0, scanned = 0;
  in.len = 0;
  for (;;) {
    char *nl = in.len > start + scanned ? memchr(in.p + start + scanned, '\n', in.len - start - scanned) : NULL;
    if (nl) {
      *nl = 0;
      int r = handle(in.p + start, may_retry);
      if (r != KEEP_READING) return r;
      start = (size_t)(nl - in.p) + 1, scanned = 0;
      continue;
    }
    scanned = in.len - start;
    if (start) { /* keep only the partial line */
      memmove(in.p, in.p + start, in.len - start);
      in.len -= start, start = 0;
    }
    reserve(&in, 65536);
    if (wait_readable(sock) < 0) continue;
    ssize_t n = read(sock, in.p + in.len, in.cap - in.len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) die("the daemon closed the connection before the command finished (%s)", n < 0 ? strerror(errno) : "end of stream");
    in.len += (size_t)n;
  }
}

int main(int argc, char **argv) {
  self_path = argv[0];
  const char *no_daemon = getenv("ORASD_NO_DAEMON");
  if (no_daemon && strcmp(no_daemon, "1") == 0) {
    exec_node(daemon_main(), argv + 1, argc - 1);
    die("cannot run node: %s", strerror(errno));
  }
  int p[2];
  if (pipe(p) < 0) die("pipe: %s", strerror(errno));
  sig_r = p[0], sig_w = p[1];
  cloexec(sig_r), cloexec(sig_w);
  fcntl(sig_r, F_SETFL, O_NONBLOCK), fcntl(sig_w, F_SETFL, O_NONBLOCK);
  struct sigaction sa = {0};
  sa.sa_handler = on_sigint; /* no SA_RESTART: a blocked flock() or connect() must wake up */
  sigaction(SIGINT, &sa, NULL);

  char *path = socket_path();
  buf req = {0};
  build_run(&req, argc, argv);
  for (int attempt = 0;; attempt++) {
    sock = connect_daemon(path);
    send_msg(&req);
    int code = converse(attempt == 0);
    close(sock);
    if (code != RETRY) bye(code);
    /* DAEMON_OUTDATED: that daemon stopped listening and retires; start a current one. */
  }
}
