# Share of Linux boot time spent finding and translating blocks, from a
# perf profile of the release build (Documentation/Performance.md, "Linux
# boot"). Usage: translation-share.py CORES GIC-VERSION
# Records `chimera run` to the /init marker with `perf record -g` at 2 kHz
# and sorts every sample whose stack passes through
# AArch64CPU.lookupOrTranslate by what it was doing below it.
import collections, os, subprocess, sys, tempfile
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
G = ROOT + '/.cache/guests/linux-arm64'
cores = sys.argv[1] if len(sys.argv) > 1 else '1'
gic = sys.argv[2] if len(sys.argv) > 2 else '3'
data = tempfile.mktemp(suffix='.perf')
cmd = [ROOT + '/.build/release/chimera', 'run', 'virt-arm64', '-p', f'cores={cores}', '-p', f'gic-version={gic}',
       '--kernel', f'arm={G}/Image', '--initrd', f'arm={G}/initrd.gz', '--append', 'arm=console=ttyAMA0',
       '--until', 'uart=CHIMERA-INIT', '--console', 'none']
subprocess.run(['perf', 'record', '-q', '-F', '2000', '-g', '-o', data, '--'] + cmd,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
script = subprocess.run(['perf', 'script', '-i', data, '-F', 'ip,sym'], capture_output=True, text=True).stdout
os.unlink(data)
samples, current = [], []
for line in script.splitlines():
    if not line.strip():
        if current: samples.append(current)
        current = []
        continue
    parts = line.split(None, 1)
    current.append(parts[1] if len(parts) > 1 else '?')
if current: samples.append(current)
kinds = collections.Counter()
for stack in samples:
    at = [i for i, frame in enumerate(stack) if 'lookupOrTranslate' in frame]
    if not at: continue
    below = ' '.join(stack[:at[0]])
    if 'A64Decoder' in below or 'Fields' in below: kind = 'translate: decode'
    elif 'commit' in below or 'reserve' in below: kind = 'translate: commit to the block cache'
    elif 'walk' in below or 'translate' in below: kind = 'look up: fetch page walk'
    elif 'recall' in below: kind = 'look up: block directory'
    elif 'fill' in below: kind = 'look up: fetch TLB fill'
    else: kind = 'translate: the rest of lookupOrTranslate'
    kinds[kind] += 1
total = len(samples)
print(f'{total} samples, {cores} core(s), GICv{gic}')
for kind, n in sorted(kinds.items()):
    print(f'{100 * n / total:6.2f}%  {kind}')
translate = sum(n for k, n in kinds.items() if k.startswith('translate'))
print(f'{100 * translate / total:6.2f}%  translating blocks (decode, commit, the rest)')
print(f'{100 * sum(kinds.values()) / total:6.2f}%  all of lookupOrTranslate')
