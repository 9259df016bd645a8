package org.kernsim.actors.kprobes;

import java.util.TreeMap;
import org.kernsim.actors.cpu.Task;
import org.kernsim.engine.Context;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.CodeMessage;
import org.kernsim.protocol.kprobes.KprobeNote;
import org.kernsim.protocol.kprobes.KprobeNote.HitKind;
import org.kernsim.protocol.kprobes.WorkloadMessage;
import org.kernsim.protocol.textpoke.TextPokeMessage;

/**
 * The workload of one CPU: user-mode time (preemptible, an RCU-sched quiescent state) alternating
 * with non-preemptible kernel sections that execute probed addresses. A hit costs what spec D.2
 * says for the path the CPU takes (int3 with single-step, int3 into the detour, jump); while it
 * runs the handlers or the detour the CPU holds the probe's memory. The CPU answers stop_machine
 * only between kernel sections (at a preemption point), so a stop costs what the longest section in
 * progress makes it cost.
 *
 * <p>It holds this CPU's {@link CpuCodeView} (a version shared with the CPUs that applied the same
 * publications): updates from {@code CodeMemory} are applied in sequence, and those of a
 * stop_machine batch are acknowledged (the CPU flushed its icache inside the stopper).
 */
final class ProbeWorkload extends Task {
  private enum Pc {
    USER,
    KERNEL_ENTRY,
    SECTION_START,
    SECTION,
    HIT_DONE
  }

  private final KprobesSim sim;
  private final KprobesConfig cfg;
  private final int[] addrs;
  private final CpuCodeView view;
  private long appliedSeq;
  private final TreeMap<Long, CodeMessage.ViewUpdate> early = new TreeMap<>();
  private boolean stopRequested;

  /**
   * v2.6.36-v2.6.38 hotplug: this CPU is out of {@code cpu_online_mask} (it runs nothing until
   * {@code CPU_ONLINE}); {@code offlineEpoch}: the sleep to wake then, or -1.
   */
  private boolean offline;

  private long offlineEpoch = -1;

  /** IPIs of text_poke_sync() waiting for this CPU to see the stores they follow. */
  private final java.util.ArrayDeque<TextPokeMessage.SyncCore> syncs = new java.util.ArrayDeque<>();

  /** A retirement sync waiting for this CPU's poke-handler hit to end, or null. */
  private TextPokeMessage.SyncCore drainAfterHit;

  private final java.util.Set<String> reported = new java.util.HashSet<>();

  private Pc pc = Pc.USER;
  private long[] gaps;
  private int gapIndex;
  private int hitAddr;
  private CpuCodeView.Hit hit;
  private long hitStart;

  /** The hit in progress began while a text_poke_bp() batch was in progress on this CPU's view. */
  private boolean hitDuringPatch;

  ProbeWorkload(KprobesSim sim, int cpu) {
    super(sim.machine(), cpu);
    this.sim = sim;
    this.cfg = sim.config();
    this.addrs = sim.executedAddresses();
    this.view = new CpuCodeView(sim.initialView(), cfg.core().kernel().delayedUnoptimizing());
  }

  @Override
  public void start(Context ctx) {
    startRunnable(ctx);
  }

  @Override
  protected void onMessage(Context ctx, Object msg) {
    if (msg instanceof CodeMessage.ViewUpdate u) {
      early.put(u.seq(), u);
      while (early.containsKey(appliedSeq + 1)) {
        CodeMessage.ViewUpdate next = early.remove(appliedSeq + 1);
        appliedSeq++;
        view.apply(next.seq(), next.changes());
        answerSyncs(ctx);
        if (next.stopOp() >= 0) {
          // an offline CPU (2.6.3x hotplug) executes nothing: it finds the patched text in memory
          // when it comes back, and is in no stopper meanwhile
          if (ctx.tracing() && !offline)
            ctx.trace(new KprobeNote.ViewPatched(cpu(), next.stopOp(), next.seq()));
          ctx.send(
              sim.codeMemory(),
              new CodeMessage.ViewAck(cpu(), next.seq()),
              machine.latencies().lock());
        }
      }
    } else if (msg instanceof TextPokeMessage.SyncCore ipi) {
      syncs.addLast(ipi);
      answerSyncs(ctx);
    } else if (msg instanceof WorkloadMessage.WorkloadStop) {
      stopRequested = true;
    } else if (msg instanceof org.kernsim.protocol.hotplug26.Hotplug26Message.CpuOffline o) {
      // take_cpu_down() in the stop: this CPU is in its stopper, the workload is off the CPU
      offline = true;
      ctx.send(
          o.replyTo(),
          new org.kernsim.protocol.hotplug26.Hotplug26Message.CpuOfflineAck(cpu()),
          machine.latencies().lock());
    } else if (msg instanceof org.kernsim.protocol.hotplug26.Hotplug26Message.CpuOnline) {
      offline = false;
      long e = offlineEpoch;
      offlineEpoch = -1;
      if (e >= 0) wake(ctx, e);
    } else {
      super.onMessage(ctx, msg);
    }
  }

  /**
   * {@code do_sync_core()} in the IPI handler: once this CPU has seen every store the sync follows,
   * it spends {@code kprobes.cost.ipi-sync} in the handler (the task it interrupted runs that much
   * later) and answers. The retirement of a patching descriptor (v5.5 on) is no IPI: this CPU
   * answers at once, or when its poke-handler hit in progress ends (its reference dropped).
   */
  private void answerSyncs(Context ctx) {
    while (!syncs.isEmpty() && syncs.peekFirst().viewSeq() <= appliedSeq) {
      TextPokeMessage.SyncCore ipi = syncs.pollFirst();
      if (ipi.drainHandlers()) {
        // not an IPI: the patcher reads bp_desc.refs; this CPU holds a reference while in the
        // poke handler
        if (hit != null && hit.kind() == HitKind.POKE_EMULATED) drainAfterHit = ipi;
        else ack(ctx, ipi, 1);
        continue;
      }
      long cost = cfg.ipiSyncNanos();
      interrupted(ctx, cost);
      ctx.count("ipiSyncStallNanos", cost);
      ctx.count("ipiSyncs", 1);
      ack(ctx, ipi, cost);
    }
  }

  private void ack(Context ctx, TextPokeMessage.SyncCore ipi, long after) {
    ctx.sendAfter(
        sim.codeMemory(),
        new TextPokeMessage.SyncAck(cpu(), ipi.sync()),
        Math.max(machine.latencies().min(), after));
  }

  @Override
  protected void run(Context ctx) {
    if (offline && pc != Pc.SECTION && pc != Pc.HIT_DONE) {
      // the CPU went offline while this was off it (at a preemption point): nothing more runs on
      // it until it is online again
      offlineEpoch = nextEpoch();
      if (sleep(ctx)) return;
      offlineEpoch = -1;
    }
    switch (pc) {
      case USER -> {
        if (stopRequested) {
          exit(ctx);
          return;
        }
        pc = Pc.KERNEL_ENTRY;
        compute(ctx, cfg.userTime().sample(ctx.random()), true);
      }
      case KERNEL_ENTRY -> {
        quiescentState(ctx); // it was in user mode
        pc = Pc.SECTION_START;
        if (preemptionPoint(ctx)) return;
        run(ctx);
      }
      case SECTION_START -> enterSection(ctx);
      case SECTION -> afterGap(ctx);
      case HIT_DONE -> {
        endHit(ctx);
        gapIndex++;
        pc = Pc.SECTION;
        gap(ctx);
      }
      default -> throw new IllegalStateException("workload at " + pc);
    }
  }

  /**
   * A kernel section: its length split into hits+1 non-preemptible gaps, a probed address between
   * two.
   */
  private void enterSection(Context ctx) {
    long len =
        (cpu() == cfg.slowCpu() ? cfg.slowSection() : cfg.kernelSection()).sample(ctx.random());
    int hits = addrs.length == 0 ? 0 : cfg.hitsPerSection();
    gaps = new long[hits + 1];
    long left = len;
    for (int i = 0; i < hits; i++) {
      long g = left <= 1 ? 0 : ctx.random().nextLong(left);
      gaps[i] = g;
      left -= g;
    }
    gaps[hits] = left;
    gapIndex = 0;
    pc = Pc.SECTION;
    gap(ctx);
  }

  /**
   * Runs gap {@code gapIndex} of the section: the section stays non-preemptible until its last gap
   * ends ({@code preempt_enable()}, a preemption point); a hit between two gaps is no preemption
   * point either.
   */
  private void gap(Context ctx) {
    if (gapIndex == gaps.length - 1) compute(ctx, gaps[gapIndex], false);
    else computeStillNonPreemptible(ctx, gaps[gapIndex]);
  }

  /**
   * Gap {@code gapIndex} of the section is done: execute the next probed address, or leave the
   * section.
   */
  private void afterGap(Context ctx) {
    if (gapIndex == gaps.length - 1) {
      pc = Pc.USER;
      run(ctx);
      return;
    }
    hitAddr = addrs[ctx.random().nextInt(addrs.length)];
    hit = view.gone(hitAddr) ? null : view.execute(hitAddr, cfg.disabledChecks());
    if (hit == null) {
      gapIndex++;
      gap(ctx);
      return;
    }
    hitStart = ctx.now();
    hitDuringPatch = view.patching();
    long cost =
        switch (hit.kind()) {
          case INT3, INVALID -> cfg.int3HitNanos();
          case INT3_DETOUR, POKE_EMULATED -> cfg.int3DetourHitNanos();
          case JUMP -> cfg.jumpHitNanos();
        };
    checkHit(ctx);
    pc = Pc.HIT_DONE;
    computeStillNonPreemptible(ctx, cost);
  }

  private void checkHit(Context ctx) {
    CpuCodeView.Hit h = hit;
    switch (h.kind()) {
      case INT3, INT3_DETOUR -> ctx.count("probeHitsInt3", 1);
      case JUMP -> ctx.count("probeHitsJump", 1);
      case POKE_EMULATED -> ctx.count("probeHitsPokeEmulated", 1);
      case INVALID -> ctx.count("probeHitsInvalid", 1);
    }
    if (h.kind() == HitKind.INT3_DETOUR) ctx.count("probeHitsInt3Detour", 1);
    if (h.handlers() > 0) ctx.count("probeHandlerRuns", h.handlers());
    CpuCodeView.Cell c = view.cell(hitAddr);
    if (h.kind() == HitKind.INVALID) {
      violation(ctx, "NoInvalidOpcode", "cpu" + cpu() + " at " + hitAddr + ": " + h.problem());
    }
    if (!cfg.core().kernel().int3Patching()
        && c.rel32()
        && c.firstByte() != CodeChange.FirstByte.JMP) {
      violation(
          ctx,
          "NoHalfPatchedCodeObserved",
          "cpu"
              + cpu()
              + " executed "
              + c.firstByte()
              + "+REL at "
              + hitAddr
              + " outside stop_machine (byte 0 rewritten over a jump)");
    }
    if (h.disabledHandlers() > 0) {
      violation(
          ctx,
          "K9_NoHandlerOfDisabledProbe",
          "cpu"
              + cpu()
              + " ran "
              + h.disabledHandlers()
              + " handler(s) of a disabled probe at "
              + hitAddr
              + " ("
              + h.kind()
              + ")");
    }
    if (h.handlers() > 0 && view.disarmAllReturned()) {
      ctx.count("probeHandlerRunsAfterDisarmAll", h.handlers());
      violation(
          ctx,
          "NoProbeFiresAfterDisarmAll",
          "cpu"
              + cpu()
              + " ran "
              + h.handlers()
              + " handler(s) at "
              + hitAddr
              + " via "
              + h.kind()
              + " after disarm_all_kprobes() returned (\"Kprobes globally disabled\")");
    }
  }

  /**
   * Reports the first violation of each checker on this CPU (later ones are the same story, counted
   * in metrics).
   */
  private void violation(Context ctx, String checker, String message) {
    if (reported.add(checker)) ctx.violation(checker, message);
  }

  private void endHit(Context ctx) {
    // from reaching the probed address to leaving its handlers: the path's cost and any IPI that
    // interrupted it
    ctx.record("probeHitNanos", ctx.now() - hitStart);
    if (hitDuringPatch) ctx.record("probeHitNanos.duringPatch", ctx.now() - hitStart);
    if (drainAfterHit != null) {
      ack(ctx, drainAfterHit, 1);
      drainAfterHit = null;
    }
    if (hit.probe() >= 0 && ctx.tracing()) {
      ctx.trace(
          new KprobeNote.ProbeHit(
              cpu(), hitAddr, hit.probe(), hit.kind(), hitStart, hit.handlers()));
    }
    hit = null;
  }
}
