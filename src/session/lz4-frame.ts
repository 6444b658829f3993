// LZ4 frame decoding for sessions written by oauth2-proxy. A decoder of our own rather than a
// library's: the input arrives from browsers, so every length is checked against the input and a
// fixed output budget before any byte is written, and a crafted frame costs at most that budget.

const MAGIC = 0x184d2204;
const BLOCK_MAX = new Map([[4, 64 << 10], [5, 256 << 10], [6, 1 << 20], [7, 4 << 20]]);
const UNCOMPRESSED_BIT = 0x80000000;

/** The frame's content, or undefined when it is malformed or would exceed `maxOutput` bytes. */
export function lz4FrameDecompress(src: Uint8Array, maxOutput: number): Buffer | undefined {
  const buf = Buffer.from(src.buffer, src.byteOffset, src.byteLength);
  if (buf.length < 7 || buf.readUInt32LE(0) !== MAGIC) return undefined;
  const flg = buf[4]!;
  const bd = buf[5]!;
  if ((flg >> 6) !== 1 || (flg & 0x03) !== 0 || (bd & 0x8f) !== 0) return undefined;
  const blockMax = BLOCK_MAX.get((bd >> 4) & 0x07);
  if (blockMax === undefined) return undefined;
  const blockChecksum = (flg & 0x10) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  let pos = 6;
  if ((flg & 0x08) !== 0) {
    if (buf.length < pos + 8) return undefined;
    const declared = buf.readBigUInt64LE(pos);
    if (declared > BigInt(maxOutput)) return undefined;
    pos += 8;
  }
  pos += 1; // header checksum; the outer HMAC already vouches for every byte

  const out = Buffer.alloc(maxOutput);
  let outPos = 0;
  for (;;) {
    if (buf.length < pos + 4) return undefined;
    const word = buf.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = (word & ~UNCOMPRESSED_BIT) >>> 0;
    if (size > blockMax || buf.length < pos + size + (blockChecksum ? 4 : 0)) return undefined;
    const limit = Math.min(maxOutput, outPos + blockMax);
    if ((word & UNCOMPRESSED_BIT) !== 0) {
      if (outPos + size > limit) return undefined;
      buf.copy(out, outPos, pos, pos + size);
      outPos += size;
    } else {
      const next = decodeBlock(buf, pos, pos + size, out, outPos, limit);
      if (next === undefined) return undefined;
      outPos = next;
    }
    pos += size + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum) pos += 4;
  if (pos !== buf.length) return undefined;
  return out.subarray(0, outPos);
}

/** One LZ4 block into out[outPos..limit); the new output position, or undefined when malformed. */
function decodeBlock(src: Buffer, start: number, end: number, out: Buffer, outPos: number, limit: number): number | undefined {
  let i = start;
  let o = outPos;
  for (;;) {
    if (i >= end) return undefined;
    const token = src[i++]!;
    let literals = token >> 4;
    if (literals === 15) {
      for (;;) {
        if (i >= end) return undefined;
        const b = src[i++]!;
        literals += b;
        if (b !== 255) break;
      }
    }
    if (i + literals > end || o + literals > limit) return undefined;
    src.copy(out, o, i, i + literals);
    i += literals;
    o += literals;
    // The last sequence of a block carries literals only.
    if (i === end) return o;
    if (i + 2 > end) return undefined;
    const offset = src[i]! | (src[i + 1]! << 8);
    i += 2;
    if (offset === 0 || offset > o) return undefined;
    let length = (token & 0x0f) + 4;
    if ((token & 0x0f) === 15) {
      for (;;) {
        if (i >= end) return undefined;
        const b = src[i++]!;
        length += b;
        if (b !== 255) break;
      }
    }
    if (o + length > limit) return undefined;
    // Byte by byte: a match may overlap the bytes it is producing.
    for (let from = o - offset, stop = o + length; o < stop;) out[o++] = out[from++]!;
  }
}
