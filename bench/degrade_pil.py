"""degrade_pil.py DIR - the PIL side of the degradation benchmark.

For each chain of bench/degrade.c, in one process on one thread: open every
DIR/*.png, convert to RGB, apply the operation with PIL, encode (JPEG at
the chain's quality, else PNG with PIL's defaults) into memory; then
decoding alone ("decode").  Prints CHAIN FILES CPU_SECONDS IMAGES_PER_S
OUTPUT_BYTES like bench/degrade.c.
Run with Debian's /usr/bin/python3 (python3-pil).
"""
import io
import os
import sys
import time

from PIL import Image, ImageFilter


def short_side(im, n):
    w, h = im.size
    return (n, h * n // w) if w <= h else (w * n // h, n)


# The benchmark's chains, then "decode" alone: what every chain shares.
CHAINS = [
    ("jpeg(quality=30)", lambda im: im, ("JPEG", {"quality": 30})),
    ("blur(sigma=3)", lambda im: im.filter(ImageFilter.GaussianBlur(3)),
     ("PNG", {})),
    ("resize(short=112)",
     lambda im: im.resize(short_side(im, 112), Image.BICUBIC), ("PNG", {})),
    ("decode", lambda im: im, None),
]


def main():
    top = sys.argv[1]
    files = sorted(os.path.join(top, f) for f in os.listdir(top)
                   if f.endswith(".png"))
    for name, op, enc in CHAINS:
        total = 0
        t0 = time.process_time()
        for path in files:
            im = op(Image.open(path).convert("RGB"))
            if enc:
                out = io.BytesIO()
                im.save(out, enc[0], **enc[1])
                total += out.tell()
        t = time.process_time() - t0
        print("%s %d %.3f %.1f %d" % (name, len(files), t, len(files) / t,
                                      total))


if __name__ == "__main__":
    main()
