// What the FFI call shape costs (issue 9, lever "cheaper FFI"): ns per koffi
// call of read(2) on an empty non-blocking socket (EAGAIN) declared several
// ways, and of koffi.errno(). Not part of run.mjs; a quick look:
//
//   taskset -c 0 node bench/profile/ffi-variants.mjs
//
// Wall-clock ns on a shared machine: compare the lines of one run only.
import koffi from 'koffi';

const lib = koffi.load('libc.so.6');
const readL = lib.func('long read(int fd, void *buf, size_t count)'); // host/os/libc.ts today
const readI = lib.func('int read(int fd, void *buf, int count)');
const readU = lib.func('long read(int fd, uintptr_t buf, size_t count)'); // a raw address instead of a view
const getpid = lib.func('int getpid()');
const socketpair = lib.func('int socketpair(int, int, int, void *)');
const fds = new Int32Array(2);
if (socketpair(1, 1 | 0o4000, 0, fds) < 0) throw new Error('socketpair failed');
const buf = Buffer.allocUnsafe(65536);
const addr = Number(koffi.address(buf));
const N = 1_000_000;

function bench(name, f) {
  for (let i = 0; i < 50_000; i++) f();
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) f();
  console.log(name.padEnd(40), (Number(process.hrtime.bigint() - t) / N).toFixed(0), 'ns');
}

for (let round = 1; round <= 2; round++) {
  console.log(`round ${round}`);
  bench('getpid() (a syscall + koffi)', () => getpid());
  bench('read: long / void * / size_t (EAGAIN)', () => readL(fds[0], buf, buf.byteLength));
  bench('read + koffi.errno() on failure', () => readL(fds[0], buf, buf.byteLength) < 0 && koffi.errno());
  bench('read: int / void * / int', () => readI(fds[0], buf, buf.byteLength));
  bench('read: long / uintptr_t / size_t', () => readU(fds[0], addr, buf.byteLength));
  bench('koffi.errno()', () => koffi.errno());
}
