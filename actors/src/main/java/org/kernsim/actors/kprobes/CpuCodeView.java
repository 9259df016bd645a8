package org.kernsim.actors.kprobes;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.CodeChange.FirstByte;
import org.kernsim.protocol.kprobes.KprobeNote.HitKind;

/**
 * What one CPU sees of the kernel text and of the RCU-published probe table: the CPU executes
 * probed addresses against this view, never against another entity's state. It is updated only by
 * {@code CodeMemory}'s publications, in order, so a CPU sees exactly the sequence of states the
 * kernel's writers published (a stop_machine batch arrives while the CPU is in the stopper).
 *
 * <p>{@link #execute} is the x86 hit path of v2.6.36-v2.6.38: the int3 handler ({@code
 * kprobe_handler} -> {@code aggr_pre_handler} -> {@code setup_detour_execution} or single-step) and
 * the jump path ({@code optimized_callback}, which since the seed returns at once for a DISABLED
 * aggregator, "possible if op is under delayed unoptimizing"; before it, only {@code
 * aggr_pre_handler}'s per-child check applies).
 */
final class CpuCodeView {

  /**
   * The bytes at a probed address: byte 0, whether bytes 1..4 hold a jump displacement, its detour.
   */
  record Cell(FirstByte firstByte, boolean rel32, int op) {
    static final Cell ORIG = new Cell(FirstByte.ORIG, false, -1);
  }

  /**
   * One execution of a probed address.
   *
   * @param probe the probe whose memory the CPU uses while it runs (the hashed probe on the int3
   *     path, the aggregator on the jump path), or -1
   * @param handlers pre-handlers that ran
   * @param disabledHandlers of those, handlers of a probe the CPU sees DISABLED or GONE
   * @param problem why the execution is invalid (kind INVALID), or null
   * @param usesFreed the CPU entered a detour buffer / probe the CPU already saw freed
   */
  record Hit(
      HitKind kind,
      int probe,
      int handlers,
      int disabledHandlers,
      String problem,
      boolean usesFreed) {}

  /**
   * What a CPU sees after the publications up to {@link #seq}: immutable, and shared by every CPU
   * that has applied the same publications (every CPU applies {@code CodeMemory}'s publications in
   * their sequence, one {@code ViewUpdate} at a time, so a CPU's view is the view of its sequence
   * number; which version a CPU holds, and when it moves on, stays its own). The first CPU to apply
   * publication {@code seq + 1} makes the next version and leaves it in {@link #next}; the others
   * take it from there. 65,536 CPUs x 20,000 probes held one view each (47 bytes per CPU and probe:
   * 61 GB); now a CPU holds a reference, and the versions alive are those between the slowest CPU's
   * and the fastest one's, sharing what they did not change ({@link IntTrie}).
   */
  static final class Version implements org.kernsim.engine.Immutable {
    /** The probed addresses, sorted (shared by every version). */
    private final int[] addrs;

    private final long seq;

    /** address -> {@link Cell} (absent: {@link Cell#ORIG}). */
    private final IntTrie.Node code;

    /** address -> hashed probe id (absent: none). */
    private final IntTrie.Node table;

    /** address -> TRUE while its module is gone. */
    private final IntTrie.Node gone;

    /** probe id -> its published {@link CodeChange.ProbeState}. */
    private final IntTrie.Node states;

    /** detour op id -> TRUE once freed. */
    private final IntTrie.Node freedOps;

    /** The published patching descriptor: site -> detour op ({@code bp_desc}), empty if none. */
    private final Map<Integer, Integer> pokeSites;

    private final boolean allDisarmed;
    private final int disarmAllReturnedAtDisarm;
    private final int disarmAllReturned;

    /** The version after publication {@code seq + 1}, once a CPU made it (not in a snapshot). */
    private transient volatile Step next;

    private Version(
        int[] addrs,
        long seq,
        IntTrie.Node code,
        IntTrie.Node table,
        IntTrie.Node gone,
        IntTrie.Node states,
        IntTrie.Node freedOps,
        Map<Integer, Integer> pokeSites,
        boolean allDisarmed,
        int disarmAllReturnedAtDisarm,
        int disarmAllReturned) {
      this.addrs = addrs;
      this.seq = seq;
      this.code = code;
      this.table = table;
      this.gone = gone;
      this.states = states;
      this.freedOps = freedOps;
      this.pokeSites = pokeSites;
      this.allDisarmed = allDisarmed;
      this.disarmAllReturnedAtDisarm = disarmAllReturnedAtDisarm;
      this.disarmAllReturned = disarmAllReturned;
    }

    /** Nothing published yet: original code at every probed address in {@code addresses}. */
    static Version initial(int[] addresses) {
      int[] a = addresses.clone();
      java.util.Arrays.sort(a);
      return new Version(
          a,
          0,
          IntTrie.EMPTY,
          IntTrie.EMPTY,
          IntTrie.EMPTY,
          IntTrie.EMPTY,
          IntTrie.EMPTY,
          new HashMap<>(),
          false,
          0,
          0);
    }

    long seq() {
      return seq;
    }

    /** This version with publication {@code seq} ({@code changes}) applied: made, or shared. */
    Version after(long seq, List<CodeChange> changes) {
      if (seq != this.seq + 1)
        throw new IllegalStateException(
            "publication " + seq + " applied to the view after " + this.seq);
      Step s = next;
      if (s != null && (s.changes == changes || s.changes.equals(changes))) return s.version;
      Version v = apply(seq, changes);
      next = new Step(changes, v);
      return v;
    }

    private Version apply(long seq, List<CodeChange> changes) {
      IntTrie.Edit e = new IntTrie.Edit();
      IntTrie.Node code = this.code;
      IntTrie.Node table = this.table;
      IntTrie.Node gone = this.gone;
      IntTrie.Node states = this.states;
      IntTrie.Node freedOps = this.freedOps;
      Map<Integer, Integer> pokeSites = this.pokeSites;
      boolean allDisarmed = this.allDisarmed;
      int disarmAllReturnedAtDisarm = this.disarmAllReturnedAtDisarm;
      int disarmAllReturned = this.disarmAllReturned;
      for (CodeChange c : changes) {
        if (c instanceof CodeChange.TextPoke t) {
          Cell old = cell(code, known(t.addr()));
          code = IntTrie.put(code, t.addr(), new Cell(t.value(), old.rel32(), old.op()), e);
        } else if (c instanceof CodeChange.JumpWrite w) {
          code = IntTrie.put(code, known(w.addr()), new Cell(FirstByte.JMP, true, w.op()), e);
        } else if (c instanceof CodeChange.JumpRestore r) {
          code = IntTrie.put(code, known(r.addr()), new Cell(FirstByte.INT3, false, -1), e);
        } else if (c instanceof CodeChange.TailWrite t) {
          Cell old = cell(code, known(t.addr()));
          code = IntTrie.put(code, t.addr(), new Cell(old.firstByte(), true, t.op()), e);
        } else if (c instanceof CodeChange.TailRestore t) {
          Cell old = cell(code, known(t.addr()));
          code = IntTrie.put(code, t.addr(), new Cell(old.firstByte(), false, -1), e);
        } else if (c instanceof CodeChange.PokeDescriptor d) {
          Map<Integer, Integer> m = new HashMap<>();
          for (int k = 0; k < d.addrs().size(); k++) m.put(d.addrs().get(k), d.ops().get(k));
          pokeSites = m;
        } else if (c instanceof CodeChange.Hashed h) {
          table = IntTrie.put(table, known(h.addr()), h.probe(), e);
        } else if (c instanceof CodeChange.Unhashed u) {
          table = IntTrie.put(table, known(u.addr()), null, e);
        } else if (c instanceof CodeChange.ProbeState s) {
          states = IntTrie.put(states, s.probe(), s, e);
        } else if (c instanceof CodeChange.OpFreed f) {
          freedOps = IntTrie.put(freedOps, f.op(), Boolean.TRUE, e);
          states = IntTrie.put(states, f.op(), null, e);
        } else if (c instanceof CodeChange.Gone g) {
          gone = IntTrie.put(gone, known(g.addr()), Boolean.TRUE, e);
        } else if (c instanceof CodeChange.Loaded l) {
          gone = IntTrie.put(gone, known(l.addr()), null, e);
          code = IntTrie.put(code, l.addr(), null, e);
        } else if (c instanceof CodeChange.Globals g) {
          if (g.allDisarmed() && !allDisarmed) disarmAllReturnedAtDisarm = g.disarmAllReturned();
          allDisarmed = g.allDisarmed();
          disarmAllReturned = g.disarmAllReturned();
        } else {
          throw new IllegalStateException("unknown change " + c);
        }
      }
      e.close();
      return new Version(
          addrs,
          seq,
          code,
          table,
          gone,
          states,
          freedOps,
          pokeSites,
          allDisarmed,
          disarmAllReturnedAtDisarm,
          disarmAllReturned);
    }

    /** {@code addr}, if it is a probed address. */
    private int known(int addr) {
      if (java.util.Arrays.binarySearch(addrs, addr) < 0)
        throw new IllegalArgumentException("address " + addr + " is not a probed address");
      return addr;
    }

    private static Cell cell(IntTrie.Node code, int addr) {
      Object c = IntTrie.get(code, addr);
      return c == null ? Cell.ORIG : (Cell) c;
    }
  }

  /** A publication and the version it leads to. */
  private record Step(List<CodeChange> changes, Version version) {}

  /** The publications this CPU has applied, as the version they made. */
  private Version v;

  private final boolean callbackChecksDisabled;

  /**
   * The view of a CPU that has applied nothing yet: {@code initial} (shared by every CPU of the
   * run, so that they share the versions that follow); {@code callbackChecksDisabled}: {@code
   * optimized_callback()} has the seed's DISABLED check.
   */
  CpuCodeView(Version initial, boolean callbackChecksDisabled) {
    this.v = initial;
    this.callbackChecksDisabled = callbackChecksDisabled;
  }

  /** A view of its own over the probed addresses {@code addresses} (each may appear once). */
  CpuCodeView(int[] addresses, boolean callbackChecksDisabled) {
    this(Version.initial(addresses), callbackChecksDisabled);
  }

  /** Whether a {@code text_poke_bp()} batch's descriptor is published (a batch is in progress). */
  boolean patching() {
    return !v.pokeSites.isEmpty();
  }

  /** Applies publication {@code seq}, the next in sequence, whose changes are {@code changes}. */
  void apply(long seq, List<CodeChange> changes) {
    v = v.after(seq, changes);
  }

  /** The version this CPU sees (for tests: CPUs that applied the same publications share it). */
  Version version() {
    return v;
  }

  Cell cell(int addr) {
    return Version.cell(v.code, v.known(addr));
  }

  boolean gone(int addr) {
    return IntTrie.get(v.gone, v.known(addr)) != null;
  }

  /** Kprobes are globally disarmed and this CPU has seen a disarm_all_kprobes() return since. */
  boolean disarmAllReturned() {
    return v.allDisarmed && v.disarmAllReturned > v.disarmAllReturnedAtDisarm;
  }

  private int table(int addr) {
    Object id = IntTrie.get(v.table, v.known(addr));
    return id == null ? -1 : (Integer) id;
  }

  private boolean freed(int op) {
    return IntTrie.get(v.freedOps, op) != null;
  }

  private CodeChange.ProbeState state(int probe) {
    return (CodeChange.ProbeState) IntTrie.get(v.states, probe);
  }

  /**
   * Executes probed address {@code addr}; null if the code there is the original instruction (no
   * probe, nothing to do).
   *
   * @param disabledChecks whether the handlers test DISABLED (false only in the ablation that shows
   *     what the checks guard against)
   */
  Hit execute(int addr, boolean disabledChecks) {
    Cell c = cell(addr);
    switch (c.firstByte()) {
      case ORIG -> {
        if (c.rel32())
          return new Hit(
              HitKind.INVALID, -1, 0, 0, "original byte 0 followed by a jump displacement", false);
        return null;
      }
      case JMP -> {
        if (!c.rel32())
          return new Hit(HitKind.INVALID, -1, 0, 0, "jump opcode without its displacement", false);
        return jumpTo(c.op(), addr, disabledChecks);
      }
      case INT3 -> {
        Integer emulated = v.pokeSites.get(addr);
        if (emulated != null) {
          // poke_int3_handler() runs first: the site is being patched, the new instruction (a
          // jump into the detour) is emulated
          Hit j = jumpTo(emulated, addr, disabledChecks);
          return new Hit(
              HitKind.POKE_EMULATED,
              j.probe(),
              j.handlers(),
              j.disabledHandlers(),
              j.problem(),
              j.usesFreed());
        }
        int id = table(addr);
        if (id < 0)
          return new Hit(
              HitKind.INVALID, -1, 0, 0, "int3 that is not a kprobe (stray breakpoint)", false);
        boolean freed = freed(id);
        CodeChange.ProbeState s = state(id);
        if (s == null && freed) return new Hit(HitKind.INT3, id, 0, 0, null, true); // freed, hashed
        if (s == null)
          throw new IllegalStateException("hashed probe " + id + " at " + addr + " has no state");
        int[] h;
        if (s.aggr()) {
          h = children(s, disabledChecks); // aggr_pre_handler
        } else {
          boolean dis = (s.flags() & (Kprobe.KPROBE_FLAG_DISABLED | Kprobe.KPROBE_FLAG_GONE)) != 0;
          h = new int[] {1, dis ? 1 : 0};
        }
        if (s.corruptInsn()) return new Hit(HitKind.INVALID, id, h[0], h[1], CORRUPT, freed);
        if (s.aggr() && (s.flags() & Kprobe.KPROBE_FLAG_OPTIMIZED) != 0) {
          // setup_detour_execution(): continue in the detour buffer's copied instructions
          return new Hit(HitKind.INT3_DETOUR, id, h[0], h[1], null, freed);
        }
        if (c.rel32()) {
          return new Hit(
              HitKind.INVALID,
              id,
              h[0],
              h[1],
              "single-stepped the first instruction of a patched window and resumed inside the jump displacement",
              freed);
        }
        return new Hit(HitKind.INT3, s.aggr() ? id : -1, h[0], h[1], null, freed);
      }
      default -> throw new IllegalStateException("unreachable");
    }
  }

  /** The jump into detour {@code op}: {@code optimized_callback()}, the handlers, the copy. */
  private Hit jumpTo(int op, int addr, boolean disabledChecks) {
    if (freed(op)) return new Hit(HitKind.JUMP, op, 0, 0, null, true);
    CodeChange.ProbeState s = state(op);
    if (s == null) throw new IllegalStateException("jump to unknown detour " + op + " at " + addr);
    // optimized_callback(): "This is possible if op is under delayed unoptimizing"
    if (disabledChecks
        && callbackChecksDisabled
        && (s.flags() & (Kprobe.KPROBE_FLAG_DISABLED | Kprobe.KPROBE_FLAG_GONE)) != 0) {
      return new Hit(HitKind.JUMP, op, 0, 0, null, false);
    }
    int[] h = children(s, disabledChecks);
    if (s.corruptInsn()) return new Hit(HitKind.INVALID, op, h[0], h[1], CORRUPT, false);
    return new Hit(HitKind.JUMP, op, h[0], h[1], null, false);
  }

  private static final String CORRUPT =
      "executed an instruction copy made from another probe's jump bytes (KP-9)";

  private static int[] children(CodeChange.ProbeState s, boolean disabledChecks) {
    int ran = 0;
    int disabled = 0;
    for (int f : s.childFlags()) {
      boolean dis = (f & (Kprobe.KPROBE_FLAG_DISABLED | Kprobe.KPROBE_FLAG_GONE)) != 0;
      if (dis && disabledChecks) continue;
      ran++;
      if (dis) disabled++;
    }
    return new int[] {ran, disabled};
  }
}
