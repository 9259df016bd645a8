package org.kernsim.actors.kprobes;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.kernsim.engine.Checker;
import org.kernsim.engine.EndReason;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.kprobes.CodeChange.FirstByte;
import org.kernsim.protocol.kprobes.KprobeNote;
import org.kernsim.protocol.rcu.RcuMessage;

/**
 * The kprobes model's global checkers: invariants that relate several entities (the checks local to
 * one entity fire inside it: K1-K4, K7, K10, K11 in the manager, K8 in CodeMemory, K9 and
 * NoInvalidOpcode on the CPUs).
 */
final class Checkers {
  private Checkers() {}

  private static Object payload(TraceRecord r) {
    if (r instanceof TraceRecord.Delivered d) return d.payload();
    if (r instanceof TraceRecord.Note n) return n.note();
    return null;
  }

  /**
   * K5: a jump is written at an address only if a full grace period (requested after the breakpoint
   * was armed there) has elapsed: a CPU interrupted inside bytes 1..4 of the old instructions must
   * have left them (spec A.8.1).
   */
  static final class K5JumpOnlyAfterGracePeriod implements Checker {
    private final GracePeriods gps = new GracePeriods();
    private final Map<Integer, Long> armedAt = new java.util.TreeMap<>();
    private final Map<Integer, FirstByte> first = new java.util.TreeMap<>();

    @Override
    public String name() {
      return "K5_JumpOnlyAfterGracePeriod";
    }

    @Override
    public Set<Class<?>> observes() {
      return Set.of(
          KprobeNote.CodeWritten.class,
          RcuMessage.SynchronizeSched.class,
          RcuMessage.GracePeriodDone.class);
    }

    @Override
    public void observe(TraceRecord r, Checks checks) {
      if (gps.observe(r)) return;
      if (!(payload(r) instanceof KprobeNote.CodeWritten w)) return;
      FirstByte before = first.getOrDefault(w.addr(), FirstByte.ORIG);
      first.put(w.addr(), w.firstByte());
      if (w.firstByte() == FirstByte.INT3 && before == FirstByte.ORIG)
        armedAt.put(w.addr(), r.time());
      if (w.firstByte() == FirstByte.JMP) {
        Long armed = armedAt.get(w.addr());
        if (armed != null && !gps.elapsedSince(armed)) {
          checks.violation(
              r.time(),
              r.entity(),
              "jump written at "
                  + w.addr()
                  + " (stop_machine "
                  + w.stopOp()
                  + ") but no grace period has elapsed since its breakpoint was armed at "
                  + armed
                  + " ns");
        }
      }
    }
  }

  /**
   * K6: an aggregator (its optimized_kprobe and detour buffer) is freed only once it is unreachable
   * (un-patched, disarmed, out of the hash table) and a grace period requested after that has
   * elapsed; and no CPU may be using it (in its handlers or its detour) when it is freed, nor enter
   * it afterwards.
   */
  static final class K6NoDetourFreedWhileInUse implements Checker {
    private final GracePeriods gps = new GracePeriods();
    private final Map<Integer, Long> unreachableAt = new HashMap<>();
    private final Map<Integer, Long> freedAt = new HashMap<>();
    private final java.util.Set<Integer> usedAfterFree = new java.util.HashSet<>();

    @Override
    public String name() {
      return "K6_NoDetourFreedWhileInUse";
    }

    @Override
    public Set<Class<?>> observes() {
      return Set.of(
          KprobeNote.OpUnreachable.class,
          KprobeNote.AggrFreed.class,
          KprobeNote.ProbeHit.class,
          RcuMessage.SynchronizeSched.class,
          RcuMessage.GracePeriodDone.class);
    }

    @Override
    public void observe(TraceRecord r, Checks checks) {
      if (gps.observe(r)) return;
      Object p = payload(r);
      if (p instanceof KprobeNote.OpUnreachable u) {
        unreachableAt.put(u.op(), r.time());
      } else if (p instanceof KprobeNote.AggrFreed f) {
        Long u = unreachableAt.get(f.op());
        if (u == null) {
          checks.violation(
              r.time(),
              r.entity(),
              "aggregator "
                  + f.op()
                  + " at "
                  + f.addr()
                  + " freed by "
                  + f.function()
                  + " while still reachable (never removed from the hash table)");
        } else if (!gps.elapsedSince(u)) {
          checks.violation(
              r.time(),
              r.entity(),
              "aggregator "
                  + f.op()
                  + " at "
                  + f.addr()
                  + " freed by "
                  + f.function()
                  + " without a grace period after it became unreachable at "
                  + u
                  + " ns");
        }
        freedAt.put(f.op(), r.time());
      } else if (p instanceof KprobeNote.ProbeHit h) {
        Long f = freedAt.get(h.probe());
        if (f != null && f <= r.time() && usedAfterFree.add(h.probe())) { // once per aggregator
          checks.violation(
              r.time(),
              r.entity(),
              "cpu"
                  + h.cpu()
                  + " used aggregator "
                  + h.probe()
                  + " at "
                  + h.addr()
                  + " ("
                  + h.kind()
                  + ") from "
                  + h.startNanos()
                  + " to "
                  + r.time()
                  + " ns, but it was freed at "
                  + f
                  + " ns");
        }
      }
    }
  }

  /**
   * No CPU observes half-patched code outside stop_machine: every jump patch reaches a CPU's view
   * while that CPU is inside the stopper of the stop_machine that writes it (the CPUs also check
   * they never execute a breakpoint or original byte followed by a jump displacement).
   */
  static final class NoHalfPatchedCodeObserved implements Checker {
    private final Map<Integer, Long> inStopper = new HashMap<>();

    @Override
    public String name() {
      return "NoHalfPatchedCodeObserved";
    }

    @Override
    public Set<Class<?>> observes() {
      return Set.of(
          CpuNote.StopperEntered.class, CpuNote.StopperLeft.class, KprobeNote.ViewPatched.class);
    }

    @Override
    public void observe(TraceRecord r, Checks checks) {
      Object p = payload(r);
      if (p instanceof CpuNote.StopperEntered e) {
        inStopper.put(e.cpu(), e.op());
      } else if (p instanceof CpuNote.StopperLeft l) {
        inStopper.remove(l.cpu());
      } else if (p instanceof KprobeNote.ViewPatched v) {
        Long op = inStopper.get(v.cpu());
        if (op == null || op != v.stopOp()) {
          checks.violation(
              r.time(),
              r.entity(),
              "cpu"
                  + v.cpu()
                  + " saw the patch of stop_machine "
                  + v.stopOp()
                  + (op == null ? " outside the stopper" : " while in the stopper of " + op));
        }
      }
    }
  }

  /** Liveness: the admin script returns from every call and finishes (KP-2 is a deadlock). */
  static final class AdminScriptCompletes implements Checker {
    private boolean done;
    private final Map<Long, String> inFlight = new LinkedHashMap<>();
    private String lastStep = "(none)";

    @Override
    public String name() {
      return "AdminScriptCompletes";
    }

    @Override
    public Set<Class<?>> observes() {
      return Set.of(
          KprobeNote.ScriptDone.class,
          KprobeNote.ScriptStep.class,
          KprobeNote.ApiEntered.class,
          KprobeNote.ApiReturned.class);
    }

    @Override
    public void observe(TraceRecord r, Checks checks) {
      Object p = payload(r);
      if (p instanceof KprobeNote.ScriptDone) done = true;
      else if (p instanceof KprobeNote.ScriptStep s) lastStep = s.text();
      else if (p instanceof KprobeNote.ApiEntered e)
        inFlight.put(e.token(), e.op() + " entered at " + r.time() + " ns");
      else if (p instanceof KprobeNote.ApiReturned x) inFlight.remove(x.token());
    }

    @Override
    public void finish(long endNanos, EndReason reason, Checks checks) {
      if (done || reason == EndReason.VIOLATION)
        return; // stopped early on purpose: not a liveness verdict
      checks.violation(
          endNanos,
          -1,
          "the admin script did not finish (run ended: "
              + reason.json()
              + "); stuck in step '"
              + lastStep
              + "'"
              + (inFlight.isEmpty() ? "" : ", in " + String.join(", ", inFlight.values())));
    }
  }

  /**
   * Not an invariant: the stop_machine cost of the unregistration phase (from the first
   * unregister_kprobes call).
   */
  static final class UnregisterCost implements Checker {
    private long start = -1;
    private long stops;
    private long stall;
    private long lastOp = -1;
    private long unregisterReturned = -1;
    private long lastFree = -1;

    @Override
    public String name() {
      return "UnregisterCost";
    }

    @Override
    public Set<Class<?>> observes() {
      return Set.of(
          KprobeNote.ApiEntered.class,
          KprobeNote.ApiReturned.class,
          CpuNote.StopperLeft.class,
          KprobeNote.AggrFreed.class);
    }

    @Override
    public void observe(TraceRecord r, Checks checks) {
      Object p = payload(r);
      if (p instanceof KprobeNote.ApiEntered e
          && e.op().equals("unregister_kprobes")
          && start < 0) {
        start = r.time();
      } else if (p instanceof KprobeNote.ApiReturned x
          && x.op().equals("unregister_kprobes")
          && unregisterReturned < 0) {
        unregisterReturned = r.time();
      } else if (p instanceof CpuNote.StopperLeft l && start >= 0) {
        stall += l.stalledNanos();
        if (l.op() != lastOp) {
          lastOp = l.op();
          stops++;
        }
      } else if (p instanceof KprobeNote.AggrFreed && start >= 0) {
        lastFree = r.time();
      }
    }

    @Override
    public void contribute(Map<String, Object> metrics) {
      if (start < 0) return;
      metrics.put("unregister.stopMachineCount", stops);
      metrics.put("unregister.stopMachineStallNanos", stall);
      if (unregisterReturned >= 0) metrics.put("unregister.callNanos", unregisterReturned - start);
      if (lastFree >= 0) metrics.put("unregister.lastFreeNanos", lastFree - start);
    }
  }
}
