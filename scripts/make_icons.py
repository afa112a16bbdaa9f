"""Draw icon.png and extension.png (a stylised Sentry-like mark, our own drawing) with the standard library."""
import math
import struct
import sys
import zlib


def png(width, height, pixel):
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def mark(size):
    purple, white, clear = (54, 45, 89, 255), (255, 255, 255, 255), (0, 0, 0, 0)
    c = size / 2

    def pixel(x, y):
        dx, dy = x + 0.5 - c, y + 0.5 - c
        r = math.hypot(dx, dy)
        if r > size * 0.48:
            return clear
        # a white arc (the "watch" of an error tracker) on a purple disc
        angle = math.degrees(math.atan2(dy, dx))
        if size * 0.22 < r < size * 0.32 and not -60 < angle < 0:
            return white
        if r < size * 0.07:
            return white
        return purple

    return png(size, size, pixel)


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    for name, size in (("icon.png", 128), ("extension.png", 256)):
        with open(f"{root}/{name}", "wb") as out:
            out.write(mark(size))
