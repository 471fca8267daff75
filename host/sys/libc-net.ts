/**
 * Raw glibc bindings for interface names, same conventions as libc.ts:
 * results are libc's own.
 */
import type { KoffiFunc } from 'koffi';
import { lib } from '../os/libc.js';

/** The index of the interface named `name` in the calling thread's network namespace; 0 (errno set) if there is none. */
export const if_nametoindex = lib.func('unsigned int if_nametoindex(const char *ifname)') as KoffiFunc<(name: string) => number>;
