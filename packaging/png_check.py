"""Is a PNG a real picture? Decodes it with the standard library only (zlib + PNG's five filters).

``python3 packaging/png_check.py FILE.png [WIDTH HEIGHT]`` exits 0 when the image has the expected
size (if given), at least 50 distinct colours and no single colour covering 90 % of it; the smoke
test runs it on the frozen app's offscreen screenshot, where no venv or Qt is assumed.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections import Counter


def pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("not a PNG file")
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", header)
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise SystemExit(f"unsupported PNG layout (depth {depth}, colour type {colour}, interlace {interlace})")
    raw, bpp, stride = zlib.decompress(idat), channels, width * channels
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        filt, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if filt == 1:
                line[i] = (line[i] + a) & 0xFF
            elif filt == 2:
                line[i] = (line[i] + b) & 0xFF
            elif filt == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(line)
        prev = line
    return width, height, [bytes(r[i:i + bpp]) for r in rows for i in range(0, stride, bpp)]


def main(argv: list[str]) -> int:
    with open(argv[1], "rb") as fh:
        width, height, px = pixels(fh.read())
    if len(argv) >= 4 and (width, height) != (int(argv[2]), int(argv[3])):
        print(f"{argv[1]}: {width}x{height}, expected {argv[2]}x{argv[3]}")
        return 1
    counts = Counter(px)
    share = counts.most_common(1)[0][1] / len(px)
    print(f"{argv[1]}: {width}x{height}, {len(counts)} colours, commonest covers {share:.0%}")
    return 0 if len(counts) >= 50 and share < 0.9 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
