package org.kernsim.actors.kprobes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.CodeChange.FirstByte;
import org.kernsim.protocol.kprobes.CodeMessage;
import org.kernsim.protocol.kprobes.KprobeNote;
import org.kernsim.protocol.stopmachine.StopMachineMessage;
import org.kernsim.protocol.textpoke.TextPokeMessage;

/**
 * The kernel text at the probed addresses and the RCU-published probe table: the memory every CPU
 * reads. It applies the manager's publications in sequence and forwards each one to every CPU's
 * view, in its own sequence, so all CPUs see the same order of states.
 *
 * <p>It is also the stop_machine function of {@code text_poke_smp_batch()}: during the RUN phase
 * (every online CPU spins in its stopper with interrupts off) the active CPU writes the batch
 * ({@code kprobes.cost.text-poke} per probe), then every CPU flushes its icache ({@code
 * sync_core}): the batch is pushed to every view and the active CPU is answered only once every
 * view has acknowledged it, so no CPU leaves the stopper before it sees the new code.
 *
 * <p>It also carries out int3-based patching ({@link TextPokeMessage.Request}: {@code text_poke()}
 * stores and {@code text_poke_sync()} rounds, built by {@code TextPokeBp}): every store costs
 * {@code kprobes.cost.text-poke} and is forwarded to the views on its own, so a CPU can execute any
 * intermediate state; a sync is an IPI to every CPU, answered once that CPU has applied every store
 * made before it (and, to retire the patching descriptor, once no int3 handler of that CPU still
 * uses it).
 *
 * <p>K8 (no jump window covers a breakpoint or a jump of another probe) is checked here, on the
 * text itself, after every write.
 */
final class CodeMemory implements Entity {
  private final KprobesSim sim;
  private final Machine m;
  private final int[] views;

  private long applied;
  private final TreeMap<Long, List<CodeChange>> early = new TreeMap<>();
  private long viewSeq;
  private final Map<Integer, CpuCodeView.Cell> code = new TreeMap<>();
  private final Map<Integer, Integer> jumpSize = new TreeMap<>();

  // the stop_machine function in progress
  private StopMachineMessage.StopFnCall parked;
  private StopMachineMessage.StopFnCall active;
  private long activeSeq = -1;
  private int acksMissing;

  // the text_poke sequence in progress (int3-based patching)
  private final java.util.ArrayDeque<TextPokeMessage.Request> pokes = new java.util.ArrayDeque<>();
  private TextPokeMessage.Request poking;
  private int pokeIndex;
  private long syncs;
  private int syncAcksMissing;

  CodeMemory(KprobesSim sim) {
    this.sim = sim;
    this.m = sim.machine();
    this.views = new int[m.cpus()];
    for (int i = 0; i < views.length; i++) views[i] = sim.workload(i);
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof CodeMessage.Publish p) {
      early.put(p.seq(), p.changes());
      while (early.containsKey(applied + 1)) {
        List<CodeChange> changes = early.remove(applied + 1);
        applied++;
        apply(ctx, changes, -1);
        forward(ctx, changes, -1);
      }
      nextPoke(ctx);
      if (parked != null && applied >= batch(parked).afterSeq()) {
        StopMachineMessage.StopFnCall c = parked;
        parked = null;
        startPatch(ctx, c);
      }
    } else if (msg instanceof StopMachineMessage.StopFnCall c) {
      if (active != null || parked != null)
        throw new IllegalStateException("code memory: two stop_machine functions at once");
      if (applied >= batch(c).afterSeq()) startPatch(ctx, c);
      else parked = c;
    } else if (msg instanceof CodeMessage.PatchDelay d) {
      if (active == null || active.op() != d.op())
        throw new IllegalStateException("code memory: stray " + d);
      List<CodeChange> patches = batch(active).patches();
      apply(ctx, patches, active.op());
      activeSeq = forward(ctx, patches, active.op());
      acksMissing = views.length;
      if (acksMissing == 0) finishPatch(ctx);
    } else if (msg instanceof CodeMessage.ViewAck a) {
      if (active != null && a.seq() == activeSeq && --acksMissing == 0) finishPatch(ctx);
    } else if (msg instanceof TextPokeMessage.Request r) {
      pokes.addLast(r);
      nextPoke(ctx);
    } else if (msg instanceof TextPokeMessage.Step st) {
      if (poking == null || st.token() != poking.token() || st.index() != pokeIndex)
        throw new IllegalStateException("code memory: stray " + st);
      TextPokeMessage.Write w = (TextPokeMessage.Write) poking.ops().get(pokeIndex);
      List<CodeChange> one = List.of(w.change());
      apply(ctx, one, -1);
      forward(ctx, one, -1);
      ctx.count("textPokeStores", 1);
      pokeIndex++;
      pokeStep(ctx);
    } else if (msg instanceof TextPokeMessage.SyncAck a) {
      if (poking != null && a.sync() == syncs && --syncAcksMissing == 0) {
        pokeIndex++;
        pokeStep(ctx);
      }
    } else {
      throw new IllegalStateException("code memory: unexpected " + msg);
    }
  }

  /** Starts the next text_poke sequence once its caller's earlier publications are applied. */
  private void nextPoke(Context ctx) {
    if (poking != null || pokes.isEmpty() || applied < pokes.peekFirst().afterSeq()) return;
    poking = pokes.pollFirst();
    pokeIndex = 0;
    pokeStep(ctx);
  }

  /** Carries out op {@code pokeIndex} of the sequence in progress, or answers its caller. */
  private void pokeStep(Context ctx) {
    if (pokeIndex == poking.ops().size()) {
      ctx.send(poking.requester(), new TextPokeMessage.Done(poking.token()), m.latencies().lock());
      poking = null;
      nextPoke(ctx);
      return;
    }
    TextPokeMessage.Op op = poking.ops().get(pokeIndex);
    if (op instanceof TextPokeMessage.Write) {
      // text_poke(): map the page, write, flush; visible to the other CPUs as it is written
      ctx.startTimer(
          "text_poke",
          Math.max(1, sim.config().textPokeNanos()),
          new TextPokeMessage.Step(poking.token(), pokeIndex));
    } else if (op instanceof TextPokeMessage.Sync) {
      sync(ctx, false);
    } else if (op instanceof TextPokeMessage.Retire r) {
      List<CodeChange> one = List.of(r.change());
      forward(ctx, one, -1);
      sync(ctx, true);
    } else {
      throw new IllegalStateException("code memory: unknown op " + op);
    }
  }

  /**
   * {@code text_poke_sync()}: {@code on_each_cpu(do_sync_core, NULL, 1)}, an IPI round; or ({@code
   * drainHandlers}) v5.5's {@code atomic_cond_read_acquire(&bp_desc.refs, !VAL)}: no IPI, the
   * patching CPU spins until every CPU in the poke handler has dropped its reference (each CPU is
   * asked, a memory hop away, and answers when it is out of the handler).
   */
  private void sync(Context ctx, boolean drainHandlers) {
    syncs++;
    syncAcksMissing = views.length;
    ctx.count(drainHandlers ? "textPokeRetires" : "textPokeSyncs", 1);
    TextPokeMessage.SyncCore ipi = new TextPokeMessage.SyncCore(syncs, viewSeq, drainHandlers);
    for (int v : views)
      ctx.send(v, ipi, drainHandlers ? m.latencies().lock() : m.latencies().ipi());
    if (syncAcksMissing == 0) {
      pokeIndex++;
      pokeStep(ctx);
    }
  }

  private static CodeMessage.TextPokeBatch batch(StopMachineMessage.StopFnCall c) {
    if (c.fn() instanceof CodeMessage.TextPokeBatch b) return b;
    throw new IllegalStateException(
        "code memory: stop_machine function " + c.fn() + " is not a text_poke batch");
  }

  /** The active CPU writes every patch of the batch (the others spin until wrote_text). */
  private void startPatch(Context ctx, StopMachineMessage.StopFnCall c) {
    active = c;
    long cost = batch(c).patches().size() * sim.config().textPokeNanos();
    ctx.startTimer("text_poke", Math.max(1, cost), new CodeMessage.PatchDelay(c.op()));
  }

  private void finishPatch(Context ctx) {
    ctx.send(
        m.cpu(active.cpu()), new StopMachineMessage.StopFnDone(active.op()), m.latencies().lock());
    ctx.count("textPokedProbes", batch(active).patches().size());
    active = null;
    activeSeq = -1;
  }

  private long forward(Context ctx, List<CodeChange> changes, long stopOp) {
    long seq = ++viewSeq;
    CodeMessage.ViewUpdate u = new CodeMessage.ViewUpdate(seq, stopOp, changes);
    for (int v : views) ctx.send(v, u, m.latencies().lock());
    return seq;
  }

  private void apply(Context ctx, List<CodeChange> changes, long stopOp) {
    for (CodeChange ch : changes) {
      int addr;
      CpuCodeView.Cell now;
      CpuCodeView.Cell old;
      if (ch instanceof CodeChange.TextPoke t) {
        addr = t.addr();
        old = cell(addr);
        now = new CpuCodeView.Cell(t.value(), old.rel32(), old.op());
      } else if (ch instanceof CodeChange.JumpWrite w) {
        if (stopOp < 0)
          ctx.violation(
              "NoHalfPatchedCodeObserved", "jump written at " + w.addr() + " outside stop_machine");
        addr = w.addr();
        old = cell(addr);
        now = new CpuCodeView.Cell(FirstByte.JMP, true, w.op());
        jumpSize.put(addr, w.size());
      } else if (ch instanceof CodeChange.TailWrite t) {
        addr = t.addr();
        old = cell(addr);
        now = new CpuCodeView.Cell(old.firstByte(), true, t.op());
        jumpSize.put(addr, sim.config().probeSize(addr));
      } else if (ch instanceof CodeChange.TailRestore t) {
        addr = t.addr();
        old = cell(addr);
        now = new CpuCodeView.Cell(old.firstByte(), false, -1);
        jumpSize.remove(addr);
      } else if (ch instanceof CodeChange.Loaded l) {
        addr = l.addr();
        old = cell(addr);
        now = CpuCodeView.Cell.ORIG;
        jumpSize.remove(addr);
      } else if (ch instanceof CodeChange.JumpRestore r) {
        if (stopOp < 0)
          ctx.violation(
              "NoHalfPatchedCodeObserved", "jump removed at " + r.addr() + " outside stop_machine");
        addr = r.addr();
        old = cell(addr);
        now = new CpuCodeView.Cell(FirstByte.INT3, false, -1);
        jumpSize.remove(addr);
      } else {
        continue;
      }
      code.put(addr, now);
      if (ctx.tracing())
        ctx.trace(new KprobeNote.CodeWritten(addr, now.firstByte(), now.rel32(), now.op(), stopOp));
      checkK8(ctx, addr);
    }
  }

  private CpuCodeView.Cell cell(int addr) {
    return code.getOrDefault(addr, CpuCodeView.Cell.ORIG);
  }

  /** K8: bytes 1..size-1 of a jump window hold no breakpoint and no jump of another probe. */
  private void checkK8(Context ctx, int addr) {
    CpuCodeView.Cell c = cell(addr);
    if (c.firstByte() == FirstByte.JMP && c.rel32()) {
      int size = jumpSize.getOrDefault(addr, 5);
      for (int i = 1; i < size; i++) {
        CpuCodeView.Cell in = code.get(addr + i);
        if (in != null && in.firstByte() != FirstByte.ORIG) {
          ctx.violation(
              "K8_NoBreakpointInJumpWindow",
              "jump at "
                  + addr
                  + " (size "
                  + size
                  + ") covers "
                  + in.firstByte()
                  + " at "
                  + (addr + i));
        }
      }
    }
    if (c.firstByte() != FirstByte.ORIG) {
      for (int i = 1; i < 20; i++) {
        CpuCodeView.Cell below = code.get(addr - i);
        if (below != null
            && below.firstByte() == FirstByte.JMP
            && below.rel32()
            && addr < addr - i + jumpSize.getOrDefault(addr - i, 5)) {
          ctx.violation(
              "K8_NoBreakpointInJumpWindow",
              c.firstByte() + " written at " + addr + " inside the jump window of " + (addr - i));
        }
      }
    }
  }

  // for tests
  List<Integer> jumps() {
    List<Integer> out = new ArrayList<>();
    code.forEach(
        (a, c) -> {
          if (c.firstByte() == FirstByte.JMP) out.add(a);
        });
    out.sort(null);
    return out;
  }
}
