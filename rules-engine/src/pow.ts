// math.pow with the correct rounding Google's (Java) engine shows, where V8's Math.pow is off by an ulp
// (2^1.5 is 2.8284271247461903 in Java, 2.82842712474619 in V8). For a positive base and an exponent that
// is a dyadic rational p / 2^k (k <= 4, which covers integers and halves, quarters, eighths, sixteenths), the
// neighbours of V8's result are checked exactly with BigInt arithmetic and the nearest one is returned.

interface Dyadic {
  /** value = mantissa * 2^exponent */
  mantissa: bigint;
  exponent: number;
}

const view = new DataView(new ArrayBuffer(8));

function dyadic(d: number): Dyadic {
  view.setFloat64(0, d);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mantissa, exponent: -1074 };
  mantissa |= 1n << 52n;
  return { mantissa, exponent: biased - 1075 };
}

function nextUp(d: number): number {
  view.setFloat64(0, d);
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0);
}

function nextDown(d: number): number {
  view.setFloat64(0, d);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
}

/** Sign of (a * 2^ea) - (b * 2^eb) for non-negative a, b. */
function compareScaled(a: bigint, ea: number, b: bigint, eb: number): number {
  const e = Math.min(ea, eb);
  const x = a << BigInt(ea - e);
  const y = b << BigInt(eb - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Sign of c^(2^k) - x^p, exactly (c > 0, x > 0). */
function compareRoot(c: Dyadic, k: number, x: Dyadic, p: number): number {
  const n = 1 << k;
  const left = c.mantissa ** BigInt(n);
  const leftExp = c.exponent * n;
  const xp = x.mantissa ** BigInt(Math.abs(p));
  if (p >= 0) return compareScaled(left, leftExp, xp, x.exponent * p);
  // c^n vs 2^(ex*p) / X^|p|  <=>  c^n * X^|p| vs 2^(ex*p)
  return compareScaled(left * xp, leftExp, 1n, x.exponent * p);
}

/** The midpoint of two adjacent positive doubles, as an exact dyadic. */
function midpoint(a: number, b: number): Dyadic {
  const x = dyadic(a);
  const y = dyadic(b);
  const e = Math.min(x.exponent, y.exponent);
  const sum = (x.mantissa << BigInt(x.exponent - e)) + (y.mantissa << BigInt(y.exponent - e));
  return { mantissa: sum, exponent: e - 1 };
}

const MAX_EXACT_EXPONENT = 2048;

export function pow(x: number, y: number): number {
  const approx = x ** y;
  if (!(x > 0) || !Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(approx) || approx === 0) return approx;
  let k = 0;
  while (k <= 4 && !Number.isInteger(y * (1 << k))) k++;
  const p = y * (1 << k);
  if (k > 4 || Math.abs(p) > MAX_EXACT_EXPONENT || approx < 2.2250738585072014e-308) return approx;
  const base = dyadic(x);
  // Walk at most two ulps either way towards the exact value.
  let r = approx;
  for (let step = 0; step < 2; step++) {
    const down = nextDown(r);
    if (down > 0 && compareRoot(midpoint(down, r), k, base, p) > 0) {
      r = down;
      continue;
    }
    const up = nextUp(r);
    if (Number.isFinite(up) && compareRoot(midpoint(r, up), k, base, p) < 0) {
      r = up;
      continue;
    }
    break;
  }
  return r;
}
