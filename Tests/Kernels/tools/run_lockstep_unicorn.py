#!/usr/bin/env python3
"""Runs a *-lockstep ELF under Unicorn (libunicorn.so.2 via ctypes) until PC == lockstep_halt and
compares the lockstep_out buffer with an expected-output file.

usage: run_lockstep_unicorn.py ELF arm|x86 EXPECTED.txt   (exit status 0 on match)
"""
import ctypes, struct, sys, subprocess
uc_lib = ctypes.CDLL("libunicorn.so.2")
def parse(path):
    b = open(path,'rb').read()
    entry, phoff, shoff = struct.unpack_from('<QQQ', b, 24)
    phentsize, phnum, shentsize, shnum = struct.unpack_from('<HHHH', b, 54)
    segs = []
    for i in range(phnum):
        t, fl, off, va, pa, fs, ms = struct.unpack_from('<IIQQQQQ', b, phoff + i*phentsize)
        if t == 1: segs.append((va, b[off:off+fs], ms))
    syms = {}
    for i in range(shnum):
        o = shoff + i*shentsize
        if struct.unpack_from('<I', b, o+4)[0] != 2: continue
        so, ss = struct.unpack_from('<QQ', b, o+24); link = struct.unpack_from('<I', b, o+40)[0]
        stro = struct.unpack_from('<Q', b, shoff + link*shentsize + 24)[0]
        for s in range(so, so+ss, 24):
            n = struct.unpack_from('<I', b, s)[0]; v = struct.unpack_from('<Q', b, s+8)[0]
            e = b.index(b'\0', stro+n); syms[b[stro+n:e].decode()] = v
    return entry, segs, syms
def run(path, arm):
    entry, segs, syms = parse(path)
    uc = ctypes.c_void_p()
    err = uc_lib.uc_open(2 if arm else 4, 0 if arm else 8, ctypes.byref(uc)); assert err == 0, err
    base = 0x40000000 if arm else 0
    uc_lib.uc_mem_map(uc, ctypes.c_uint64(base), ctypes.c_size_t(32 << 20), 7)
    for va, data, ms in segs:
        buf = data + b'\0' * (ms - len(data))
        assert uc_lib.uc_mem_write(uc, ctypes.c_uint64(va), buf, ctypes.c_size_t(len(buf))) == 0
    err = uc_lib.uc_emu_start(uc, ctypes.c_uint64(entry), ctypes.c_uint64(syms['lockstep_halt']), ctypes.c_uint64(0), ctypes.c_size_t(0))
    def rd(addr, n):
        buf = ctypes.create_string_buffer(n); uc_lib.uc_mem_read(uc, ctypes.c_uint64(addr), buf, ctypes.c_size_t(n)); return buf.raw
    ln = struct.unpack('<Q', rd(syms['lockstep_len'], 8))[0]
    out = rd(syms['lockstep_out'], min(ln, 4096))
    code = struct.unpack('<i', rd(syms['lockstep_exit_code'], 4))[0]
    return err, out, code
path, arm, expected = sys.argv[1], sys.argv[2] == 'arm', sys.argv[3]
err, out, code = run(path, arm)
print(f"{path.split('/')[-1]}: uc_err={err} exit={code} len={len(out)} {'MATCH' if out == open(expected,'rb').read() else 'DIFF'}")
if out != open(expected,'rb').read(): sys.stdout.write(out.decode(errors='replace')[:400])
sys.exit(0 if err == 0 and code == 0 and out == open(expected, 'rb').read() else 1)
