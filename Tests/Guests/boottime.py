# Wall time from start to the /init marker of Debian's arm64 kernel on
# qemu-system-aarch64 and on Chimera (release build), in alternating rounds
# (Documentation/Performance.md, "Linux boot"). Usage: boottime.py CORES GIC-VERSION [BOOT-EL]
# (BOOT-EL 2: QEMU's virtualization=on, Chimera's -p boot-el=2)
import subprocess, time, sys, os
ROOT=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
G=ROOT+'/.cache/guests/linux-arm64'
def until_marker(cmd, marker=b'CHIMERA-INIT'):
    t0=time.monotonic()
    p=subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    buf=b''
    while True:
        c=p.stdout.read1(65536)
        if not c: break
        buf+=c
        if marker in buf: break
    t=time.monotonic()-t0
    p.kill(); p.wait()
    return t, marker in buf
smp=sys.argv[1] if len(sys.argv)>1 else '1'
gic=sys.argv[2] if len(sys.argv)>2 else '2'
el=sys.argv[3] if len(sys.argv)>3 else '1'
q=['qemu-system-aarch64','-M',f'virt,gic-version={gic}'+(',virtualization=on' if el=='2' else ''),'-cpu','cortex-a53','-smp',smp,'-m','512','-nographic','-kernel',f'{G}/Image','-initrd',f'{G}/initrd.gz','-append','console=ttyAMA0']
c=[ROOT+'/.build/release/chimera','run','virt-arm64','-p',f'cores={smp}','-p',f'gic-version={gic}','-p',f'boot-el={el}','--kernel',f'arm={G}/Image','--initrd',f'arm={G}/initrd.gz','--append','arm=console=ttyAMA0','--until','uart=CHIMERA-INIT']
for r in range(3):
    tq,okq=until_marker(q); tc,okc=until_marker(c)
    print(f'round {r}: qemu {tq:.2f}s ({okq})  chimera {tc:.2f}s ({okc})  ratio {tc/tq:.2f}', flush=True)
