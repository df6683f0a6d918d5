import type { Tensor } from '../tensor/tensor';
import { peekTensorId } from '../tensor/tensor';
import { formatShape, sameShape } from '../tensor/shape';
import { keep, tidy } from '../tensor/memory';
import { setGradEnabled } from './grad-mode';
import { setBackwardContext } from './context';
import { add } from '../ops/add';
import { addInPlace } from '../ops/in-place';
import { onesLike } from '../ops/ones-like';

/** Options of one reverse pass. */
interface PassOptions {
  /** Record the gradient computation itself (for higher-order gradients). */
  createGraph: boolean;
  /** Keep the tape so the graph can be traversed again. */
  retainGraph: boolean;
  /** Tensors whose gradients are returned (grad()); null means accumulate into leaves (backward()). */
  inputs: readonly Tensor[] | null;
}

/** Tensors reachable from roots through the tape, in post-order (inputs before outputs). */
function topoOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [];
  for (const r of roots) {
    if (visited.has(r)) continue;
    visited.add(r);
    stack.push([r, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const node = top[0].gradFn;
      const inputs = node ? node.inputs : [];
      if (top[1] < inputs.length) {
        const next = inputs[top[1]++];
        if (next.requiresGrad && !visited.has(next)) {
          visited.add(next);
          stack.push([next, 0]);
        }
      } else {
        order.push(top[0]);
        stack.pop();
      }
    }
  }
  return order;
}

function releasedError(t: Tensor): Error {
  return new Error(
    `backward: the tape entry of ${t.gradFn!.op} (output ${formatShape(t.shape)}) was already freed by an earlier backward() or grad(). ` +
      `Fix: pass { retainGraph: true } to the first call if you backpropagate through the same graph twice.`,
  );
}

/**
 * One reverse pass over the tape from roots seeded with rootGrads. With inputs, returns
 * their gradients (null where unreachable); otherwise accumulates into the .grad of every
 * leaf that requires it. Gradients created here and no longer needed are disposed eagerly
 * unless createGraph keeps the whole gradient graph.
 */
export function runBackward(roots: readonly Tensor[], rootGrads: readonly (Tensor | null)[], opts: PassOptions): (Tensor | null)[] {
  const firstId = peekTensorId();
  const seeds: Tensor[] = [];
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i];
    if (!r.requiresGrad) {
      throw new Error(
        `backward: output ${i} ${formatShape(r.shape)} does not require grad (no input of its computation has requiresGrad, or it ran inside noGrad). ` +
          `Fix: call requiresGrad_() on the parameters before the forward pass.`,
      );
    }
    const g = rootGrads[i];
    if (g === null) {
      if (r.size !== 1) {
        throw new Error(`backward: output ${formatShape(r.shape)} is not a scalar. Fix: pass a gradient of shape ${formatShape(r.shape)}.`);
      }
      seeds.push(onesLike(r));
    } else {
      if (!sameShape(g.shape, r.shape)) {
        throw new RangeError(`backward: gradient ${formatShape(g.shape)} does not match output ${formatShape(r.shape)}. Fix: pass a gradient of the output's shape.`);
      }
      seeds.push(g);
    }
  }

  const order = topoOrder(roots);
  const wanted = opts.inputs ? new Set(opts.inputs) : null;
  // needed: the tensor leads to a wanted input (grad()) or to a leaf needing .grad (backward()).
  const needed = new Set<Tensor>();
  for (const t of order) {
    let need = wanted ? wanted.has(t) : t.gradFn === null && t.requiresGrad;
    if (!need && t.gradFn) for (const x of t.gradFn.inputs) if (needed.has(x)) need = true;
    if (need) needed.add(t);
  }

  const slots = new Map<Tensor, Tensor>();
  const holds = new Map<Tensor, number>();
  const adopted = new Set<Tensor>();
  // Gradients a hook saw (it may keep them): never summed into in place.
  const exposed = new Set<Tensor>();
  const eager = !opts.createGraph;
  const hold = (g: Tensor) => holds.set(g, (holds.get(g) ?? 0) + 1);
  const drop = (g: Tensor) => {
    const n = (holds.get(g) ?? 0) - 1;
    holds.set(g, n);
    if (n <= 0 && eager && g.id >= firstId && !adopted.has(g)) g.dispose();
  };
  const put = (t: Tensor, g: Tensor) => {
    const old = slots.get(t);
    if (old === undefined) {
      slots.set(t, g);
      hold(g);
      return;
    }
    if (eager && exclusive(old) && old.backend === g.backend && old.dtype === g.dtype) {
      // A gradient this backward made and nothing else holds: sum into it, no new buffer
      // (a residual block's input gets its shortcut's and its branch's gradients).
      addInPlace(old, g);
      hold(g);
      drop(g);
      return;
    }
    const sum = add(old, g);
    slots.set(t, sum);
    hold(sum);
    hold(g);
    drop(old);
    drop(g);
  };
  /** Whether g is a temporary of this backward that only its slot holds, with memory of its own. */
  const exclusive = (g: Tensor): boolean => {
    if (g.id < firstId || (holds.get(g) ?? 0) !== 1 || adopted.has(g) || exposed.has(g)) return false;
    const ref = g.storageRef('backward');
    return !ref.isShared && ref.size === g.size;
  };
  for (let i = 0; i < roots.length; i++) if (needed.has(roots[i])) put(roots[i], seeds[i]);

  /**
   * The gradient to hand out: itself when nobody else holds it or its memory (a leaf's
   * .grad is later accumulated in place), else a copy.
   */
  const own = (g: Tensor): Tensor => {
    if (g.id >= firstId && (holds.get(g) ?? 0) <= 1 && !adopted.has(g) && !g.storageRef('backward').isShared) {
      adopted.add(g);
      return g;
    }
    const c = add(g, 0);
    adopted.add(c);
    return c;
  };

  const prevMode = setGradEnabled(opts.createGraph);
  const results = new Map<Tensor, Tensor>();
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      let g = slots.get(t);
      if (g === undefined || !needed.has(t)) continue;
      if (t.hooks) {
        for (const h of t.hooks) {
          exposed.add(g);
          const r = h(g);
          if (r && r !== g) {
            slots.set(t, r);
            exposed.add(r);
            hold(r);
            drop(g);
            g = r;
          }
        }
      }
      if (wanted && wanted.has(t)) results.set(t, own(g));
      const node = t.gradFn;
      if (node !== null) {
        if (node.backward === null) throw releasedError(t);
        for (const s of node.saved) {
          if (s.isDisposed) {
            throw new Error(
              `backward of ${node.op}: a tensor it saved (${formatShape(s.shape)}) was disposed, by dispose() or at the end of a tidy scope. ` +
                `Fix: call backward()/grad() inside the tidy scope that ran the forward pass.`,
            );
          }
        }
        const prevCtx = setBackwardContext(node.op);
        let gxs: (Tensor | null)[];
        try {
          // Without createGraph, temporaries of the backward die with it; only gradients survive.
          const run = node.backward;
          gxs = eager ? tidy(() => run(g!)) : run(g);
        } finally {
          setBackwardContext(prevCtx);
        }
        for (let j = 0; j < node.inputs.length; j++) {
          const x = node.inputs[j];
          const gx = gxs[j];
          if (gx == null || !needed.has(x)) continue;
          if (!sameShape(gx.shape, x.shape)) {
            throw new Error(`backward of ${node.op}: gradient ${formatShape(gx.shape)} for input ${j} ${formatShape(x.shape)} (internal error)`);
          }
          put(x, gx);
        }
        // Gradients an op returned but no input needed are garbage now.
        for (const gx of gxs) if (gx != null && !holds.has(gx) && eager && gx.id >= firstId && gx !== g) gx.dispose();
        if (!opts.retainGraph) {
          node.backward = null;
          node.saved = [];
        }
      } else if (!wanted && t.requiresGrad) {
        accumulate(t, own(g), opts.createGraph);
      }
      slots.delete(t);
      drop(g);
    }
  } finally {
    setGradEnabled(prevMode);
  }
  if (!wanted) return [];
  return opts.inputs!.map((x) => results.get(x) ?? null);
}

/** Adds g into leaf.grad: in place without a graph, as a new recorded tensor with one. */
function accumulate(leaf: Tensor, g: Tensor, createGraph: boolean): void {
  const old = leaf.grad;
  if (old === null || old.isDisposed) {
    leaf.grad = keep(g);
    return;
  }
  if (!createGraph && !old.requiresGrad) {
    const b = old.backend;
    b.binary('add', old.storage('backward'), contiguous(old), g.storage('backward'), contiguous(g), old.storage('backward'), shapeArray(old));
    g.dispose();
    return;
  }
  leaf.grad = keep(add(old, g));
}

function shapeArray(t: Tensor): Int32Array {
  return Int32Array.from(t.shape);
}

function contiguous(t: Tensor): Int32Array {
  const s = new Int32Array(t.ndim);
  let acc = 1;
  for (let d = t.ndim - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= t.shape[d];
  }
  return s;
}
