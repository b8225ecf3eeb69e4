# Draws default-logo.png (192x192 RGBA): python3 make-logo.py. Stdlib only.
# A plain emblem: a blue ring holding a white cross on blue, 4x supersampled.
import zlib, struct, math
N=192; S=4; M=N*S
c=M/2
rows=[]
acc=(0x1B,0x4F,0x8A)
def px(x,y):
    dx=x-c; dy=y-c; r=math.hypot(dx,dy)
    R=M*0.48
    if r>R: return None
    if r>R*0.88: return acc
    if r>R*0.80: return (255,255,255)
    a=R*0.16; b=R*0.55
    if (abs(dx)<a and abs(dy)<b) or (abs(dy)<a and abs(dx)<b): return (255,255,255)
    return acc
raw=bytearray()
for y in range(N):
    raw.append(0)
    for x in range(N):
        s=[0,0,0,0]
        for j in range(S):
            for i in range(S):
                p=px(x*S+i+0.5,y*S+j+0.5)
                if p: s[0]+=p[0];s[1]+=p[1];s[2]+=p[2];s[3]+=255
        n=S*S
        if s[3]:
            k=s[3]/255
            raw+=bytes([round(s[0]/k),round(s[1]/k),round(s[2]/k),round(s[3]/n)])
        else: raw+=bytes([0,0,0,0])
def chunk(t,d): return struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d)&0xffffffff)
png=b'\x89PNG\r\n\x1a\n'+chunk(b'IHDR',struct.pack('>IIBBBBB',N,N,8,6,0,0,0))+chunk(b'IDAT',zlib.compress(bytes(raw),9))+chunk(b'IEND',b'')
open('default-logo.png','wb').write(png)
