package org.kernsim.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.StopRequest;
import org.kernsim.engine.cluster.Admission;
import org.kernsim.models.Models;
import org.kernsim.protocol.explore.ExploreResult;
import org.kernsim.protocol.explore.ExploreWork;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

/**
 * An exploration spread over a cluster ({@code explore --cluster-nodes N}, {@code --join}): the
 * node that runs the command coordinates, and the {@link ExploreWorker} of every worker node (its
 * own included, on a local cluster) runs batches of schedules and sends back their folded results.
 *
 * <ul>
 *   <li><b>Batches.</b> Schedules are handed out in index order (seed-major) as batches of {@link
 *       #batchSize} consecutive schedules (whole seeds when forking, so each seed's prefix is
 *       simulated on one node, once). A node asks for nothing: the coordinator keeps each of its
 *       {@code slots} busy with one batch and gives it the next one when it answers, so a slow node
 *       simply runs fewer batches.
 *   <li><b>Results</b> come back per batch ({@link ExploreResult.Partial}: counts, violating
 *       schedules, histograms) and are merged exactly ({@link Explorer.Aggregate#merge}): the
 *       violating set, the counts, the merged latency histograms and per-schedule distributions and
 *       the coverage are those of one node's exploration.
 *   <li><b>{@code --stop-at-first}.</b> Once schedule {@code i} violates, no batch after it is
 *       handed out and the nodes skip every schedule after {@code i} ({@link
 *       ExploreWork.StopAbove}); every schedule before it still runs, so the first violation is
 *       exact.
 *   <li><b>A lost node</b> (unreachable, left, downed, removed, or its worker stopped): its
 *       unfinished batches go back to the front of the queue and run on the nodes left; a batch
 *       counts once (the first answer wins), so nothing is counted twice. With no node left the
 *       exploration fails ({@link Unavailable}, exit 4).
 * </ul>
 */
public final class ClusterExplorer {

  private ClusterExplorer() {}

  /**
   * Where to explore.
   *
   * @param nodes explore workers to use (0: every Up, admitted worker when the exploration starts)
   * @param threads batches each node runs at once (0: its cores)
   * @param formTimeout how long to wait for the nodes' explore workers
   */
  public record Target(int nodes, int threads, Duration formTimeout) {
    public static Target of(int nodes, int threads, ActorSystem<?> system) {
      return new Target(
          nodes, threads, KernsimSettings.from(system.settings().config()).cluster().formTimeout());
    }
  }

  /** What the exploration tells as it goes, beyond {@link Explorer.Listener}. */
  public interface Listener extends Explorer.Listener {
    /** {@code ready} of {@code wanted} nodes are ready to run schedules. */
    default void nodesReady(int ready, int wanted) {}

    /** A node was lost; its {@code batches} unfinished batches run again on {@code left} nodes. */
    default void nodeLost(String address, String how, int batches, int left) {}
  }

  /** A node lost during the exploration. */
  public record Lost(String address, String how, int batchesRunAgain, long afterMillis) {}

  /** An exploration on a cluster: the report (as on one node) and how it was spread. */
  public record Outcome(
      Explorer.Report report,
      List<String> nodes,
      Map<String, Long> schedulesPerNode,
      long batchSize,
      long batches,
      List<Lost> lost) {

    /** What {@code explore --json} adds under {@code cluster}. */
    public Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("nodes", nodes.size());
      m.put("addresses", nodes);
      m.put("schedulesPerNode", schedulesPerNode);
      m.put("batchSize", batchSize);
      m.put("batches", batches);
      List<Map<String, Object>> l = new ArrayList<>();
      for (Lost x : lost) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("address", x.address());
        one.put("how", x.how());
        one.put("batchesRunAgain", x.batchesRunAgain());
        one.put("afterMillis", x.afterMillis());
        l.add(one);
      }
      m.put("lost", l);
      return m;
    }
  }

  /** The cluster cannot go on: no node is left, or none offered itself in time (exit 4). */
  public static final class Unavailable extends RuntimeException {
    public Unavailable(String message) {
      super(message);
    }
  }

  /**
   * Schedules per batch: about 64 batches in all, at most 256 schedules, whole seeds when forking.
   */
  static long batchSize(Explorer.Plan plan) {
    long total = plan.schedules();
    long size = Math.max(1, Math.min(256, total / 64));
    if (plan.forking()) size = Math.max(1, size / plan.forks()) * plan.forks();
    return size;
  }

  /**
   * Explores {@code plan} on the cluster {@code system} belongs to, coordinated from this node;
   * blocks until it is done (or a stop is requested: then the report of what was merged so far).
   */
  public static Outcome explore(
      ActorSystem<?> system, Explorer.Plan plan, Target target, Listener listener) {
    plan.validate();
    Scenario scenario = Models.load(plan.scenario(), plan.overrides());
    long total = plan.schedules();
    long until = plan.untilOverride() >= 0 ? plan.untilOverride() : scenario.until();
    String id =
        "x"
            + Long.toHexString(System.currentTimeMillis())
            + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
    ExploreWork.Open open =
        new ExploreWork.Open(
            id,
            scenario.model().name(),
            new TreeMap<>(scenario.settings().asOverrides()),
            scenario.name(),
            plan.first(),
            plan.last(),
            until,
            plan.forkAt(),
            plan.forks(),
            plan.strategy().kind().flag(),
            plan.strategy().depth(),
            plan.strategy().bound(),
            plan.coverage(),
            plan.stopAtFirst(),
            plan.swarm(),
            target.threads(),
            null);
    long wallStart = System.nanoTime();
    Explorer.Aggregate agg =
        new Explorer.Aggregate(
            plan,
            listener,
            wallStart,
            Math.max(1, total / 200),
            plan.swarm() ? org.kernsim.run.swarm.Swarm.of(scenario) : null);
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    ActorRef<ExploreResult> coordinator =
        system.systemActorOf(
            Behaviors.<ExploreResult>setup(
                ctx ->
                    Behaviors.withTimers(
                        timers ->
                            new Coordinator(
                                ctx,
                                timers,
                                plan,
                                open,
                                target,
                                agg,
                                listener,
                                done,
                                wallStart,
                                scenario.name()))),
            "kernsim-explore-" + id,
            Props.empty());
    boolean told = false;
    while (true) {
      try {
        return done.get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException t) {
        if (system.getWhenTerminated().toCompletableFuture().isDone() && !done.isDone())
          throw new Unavailable(
              "this node left the cluster during the exploration ("
                  + agg.run()
                  + " schedules run)");
        if (StopRequest.requested() && !told) {
          told = true; // the report of what was merged so far
          coordinator.tell(Interrupt.INSTANCE);
        }
      } catch (InterruptedException e) {
        StopRequest.request("interrupt");
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException re) throw re;
        if (c instanceof Error er) throw er;
        throw new IllegalStateException(c);
      }
    }
  }

  private record Listed(Receptionist.Listing listing)
      implements ExploreResult.Local, NoSerializationVerificationNeeded {}

  private record Reach(ClusterEvent.ReachabilityEvent event)
      implements ExploreResult.Local, NoSerializationVerificationNeeded {}

  private record Membership(ClusterEvent.MemberEvent event)
      implements ExploreResult.Local, NoSerializationVerificationNeeded {}

  private record WorkerGone(ActorRef<ExploreWork> worker)
      implements ExploreResult.Local, NoSerializationVerificationNeeded {}

  private enum Interrupt implements ExploreResult.Local, NoSerializationVerificationNeeded {
    INSTANCE
  }

  private enum FormTimeout implements ExploreResult.Local, NoSerializationVerificationNeeded {
    INSTANCE
  }

  private enum AdmissionChanged implements ExploreResult.Local, NoSerializationVerificationNeeded {
    INSTANCE
  }

  /** A node taking part. */
  private static final class Worker {
    final ActorRef<ExploreWork> ref;
    final Address address;
    int slots;
    boolean ready;
    boolean lost;
    long schedules;
    final Set<Long> outstanding = new HashSet<>();

    Worker(ActorRef<ExploreWork> ref, Address address) {
      this.ref = ref;
      this.address = address;
    }
  }

  private static final class Coordinator extends AbstractBehavior<ExploreResult> {
    private final Explorer.Plan plan;
    private final ExploreWork.Open open;
    private final Target target;
    private final Explorer.Aggregate agg;
    private final Listener listener;
    private final CompletableFuture<Outcome> done;
    private final long wallStart;
    private final String scenarioName;
    private final TimerScheduler<ExploreResult> timers;
    private final Address self;
    private final String workerRole;
    private final Admission admission;
    private final long total;
    private final long batchSize;

    private Set<ActorRef<ExploreWork>> listed = Set.of();
    private final Map<ActorRef<ExploreWork>, Worker> workers = new LinkedHashMap<>();
    private boolean started;
    private boolean over;
    private long cursor; // the next schedule never handed out
    private final TreeMap<Long, Long> again = new TreeMap<>(); // batches to run again: from -> to
    private final Map<Long, Worker> assigned = new java.util.HashMap<>(); // from -> who runs it
    private final Map<Long, Long> assignedTo = new java.util.HashMap<>(); // from -> to
    private long batches;
    private long prefixMillis;
    private long stopAbove = Long.MAX_VALUE;
    private final List<Lost> lost = new ArrayList<>();

    Coordinator(
        ActorContext<ExploreResult> ctx,
        TimerScheduler<ExploreResult> timers,
        Explorer.Plan plan,
        ExploreWork.Open open,
        Target target,
        Explorer.Aggregate agg,
        Listener listener,
        CompletableFuture<Outcome> done,
        long wallStart,
        String scenarioName) {
      super(ctx);
      this.timers = timers;
      this.plan = plan;
      this.target = target;
      this.agg = agg;
      this.listener = listener;
      this.done = done;
      this.wallStart = wallStart;
      this.scenarioName = scenarioName;
      this.total = plan.schedules();
      this.batchSize = batchSize(plan);
      this.open =
          new ExploreWork.Open(
              open.exploreId(),
              open.model(),
              open.settings(),
              open.scenario(),
              open.first(),
              open.last(),
              open.untilNanos(),
              open.forkAt(),
              open.forks(),
              open.strategy(),
              open.pctDepth(),
              open.delayBound(),
              open.coverage(),
              open.stopAtFirst(),
              open.swarm(),
              open.threads(),
              ctx.getSelf());
      Cluster cluster = Cluster.get(ctx.getSystem());
      this.self = cluster.selfMember().address();
      this.workerRole =
          KernsimSettings.from(ctx.getSystem().settings().config()).cluster().workerRole();
      this.admission = Admission.get(ctx.getSystem());
      cluster
          .subscriptions()
          .tell(
              Subscribe.create(
                  ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class, Reach::new),
                  ClusterEvent.ReachabilityEvent.class));
      cluster
          .subscriptions()
          .tell(
              Subscribe.create(
                  ctx.messageAdapter(ClusterEvent.MemberEvent.class, Membership::new),
                  ClusterEvent.MemberEvent.class));
      ctx.getSystem()
          .receptionist()
          .tell(
              Receptionist.subscribe(
                  ExploreWorker.KEY, ctx.messageAdapter(Receptionist.Listing.class, Listed::new)));
      admission.subscribe(
          ctx.messageAdapter(Admission.Changed.class, c -> AdmissionChanged.INSTANCE));
      timers.startSingleTimer(FormTimeout.INSTANCE, target.formTimeout());
      listener.nodesReady(0, Math.max(1, target.nodes()));
    }

    @Override
    public Receive<ExploreResult> createReceive() {
      return newReceiveBuilder()
          .onMessage(
              Listed.class,
              l -> {
                listed = l.listing().getServiceInstances(ExploreWorker.KEY);
                return tryStart();
              })
          .onMessageEquals(AdmissionChanged.INSTANCE, this::tryStart)
          .onMessage(ExploreResult.Ready.class, this::onReady)
          .onMessage(ExploreResult.BatchDone.class, this::onBatchDone)
          .onMessage(ExploreResult.Failed.class, this::onFailed)
          .onMessage(
              Reach.class,
              r ->
                  r.event() instanceof ClusterEvent.UnreachableMember
                      ? lose(r.event().member().address(), "became unreachable")
                      : this)
          .onMessage(
              Membership.class,
              m -> {
                String how = lossOf(m.event());
                return how == null ? this : lose(m.event().member().address(), how);
              })
          .onMessage(
              WorkerGone.class,
              g -> {
                Worker w = workers.get(g.worker());
                return w == null ? this : lose(w.address, "stopped its explore worker");
              })
          .onMessageEquals(FormTimeout.INSTANCE, this::onFormTimeout)
          .onMessageEquals(Interrupt.INSTANCE, this::onInterrupt)
          .build();
    }

    private static String lossOf(ClusterEvent.MemberEvent e) {
      if (e instanceof ClusterEvent.MemberLeft) return "left the cluster";
      if (e instanceof ClusterEvent.MemberExited) return "left the cluster";
      if (e instanceof ClusterEvent.MemberDowned) return "was downed";
      if (e instanceof ClusterEvent.MemberRemoved) return "was removed from the cluster";
      return null;
    }

    private Address addressOf(ActorRef<?> ref) {
      Address a = ref.path().address();
      return a.hasLocalScope() ? self : a;
    }

    /** Up, admitted, reachable worker nodes. */
    private Set<Address> upWorkers() {
      Cluster cluster = Cluster.get(getContext().getSystem());
      Set<Address> up = new HashSet<>();
      for (Member m : cluster.state().getMembers())
        if (m.status() == MemberStatus.up()
            && m.hasRole(workerRole)
            && admission.isAdmitted(m.address())) up.add(m.address());
      up.removeAll(cluster.state().getUnreachable().stream().map(Member::address).toList());
      return up;
    }

    private Behavior<ExploreResult> tryStart() {
      if (started || over) return this;
      Set<Address> up = upWorkers();
      int wanted = target.nodes() > 0 ? target.nodes() : Math.max(1, up.size());
      List<ActorRef<ExploreWork>> usable = new ArrayList<>();
      for (ActorRef<ExploreWork> w : listed) if (up.contains(addressOf(w))) usable.add(w);
      usable.sort(
          Comparator.comparing((ActorRef<ExploreWork> w) -> !addressOf(w).equals(self))
              .thenComparing(w -> addressOf(w).toString()));
      listener.nodesReady(0, wanted);
      if (usable.size() < wanted) return this;
      started = true;
      timers.cancel(FormTimeout.INSTANCE);
      for (ActorRef<ExploreWork> w : usable.subList(0, wanted)) {
        workers.put(w, new Worker(w, addressOf(w)));
        getContext().watchWith(w, new WorkerGone(w));
        w.tell(open);
      }
      return this;
    }

    private Behavior<ExploreResult> onFormTimeout() {
      if (started || over) return this;
      int wanted = target.nodes() > 0 ? target.nodes() : 1;
      return fail(
          new Unavailable(
              "the cluster did not offer "
                  + wanted
                  + " explore worker(s) within "
                  + target.formTimeout().toSeconds()
                  + " s ("
                  + listed.size()
                  + " listed)"));
    }

    private Behavior<ExploreResult> onReady(ExploreResult.Ready r) {
      Worker w = workers.get(r.worker());
      if (w == null || w.lost || over || !r.exploreId().equals(open.exploreId())) return this;
      w.ready = true;
      w.slots = Math.max(1, r.slots());
      listener.nodesReady(
          (int) workers.values().stream().filter(x -> x.ready && !x.lost).count(), workers.size());
      feed();
      return finishIfDone();
    }

    /** The next batch to hand out, or null: first those to run again, then the next new one. */
    private long[] nextBatch() {
      var e = again.firstEntry();
      if (e != null && e.getKey() < stopAbove) {
        again.remove(e.getKey());
        return new long[] {e.getKey(), e.getValue()};
      }
      if (cursor >= total || cursor > stopAbove || StopRequest.requested()) return null;
      long from = cursor;
      long to = total - from <= batchSize ? total : from + batchSize;
      cursor = to;
      return new long[] {from, to};
    }

    private void feed() {
      for (Worker w : workers.values()) {
        if (!w.ready || w.lost) continue;
        while (w.outstanding.size() < w.slots) {
          long[] b = nextBatch();
          if (b == null) return;
          w.outstanding.add(b[0]);
          assigned.put(b[0], w);
          assignedTo.put(b[0], b[1]);
          batches++;
          w.ref.tell(new ExploreWork.Batch(open.exploreId(), b[0], b[1]));
        }
      }
    }

    private Behavior<ExploreResult> onBatchDone(ExploreResult.BatchDone d) {
      if (over || !d.exploreId().equals(open.exploreId())) return this;
      Worker w = assigned.remove(d.from());
      if (w != null) {
        assignedTo.remove(d.from());
        w.outstanding.remove(d.from());
      } else if (again.remove(d.from()) == null) {
        return this; // already counted (it ran again elsewhere)
      }
      Worker from = workers.get(d.worker());
      if (from != null) from.schedules += d.partial().run();
      prefixMillis += d.partial().prefixMillis();
      try {
        agg.merge(d.partial()); // tells the listener (a --violations file) too
      } catch (RuntimeException e) {
        return fail(e);
      }
      if (plan.stopAtFirst() && agg.found()) {
        long first = agg.first().index();
        if (first < stopAbove) {
          stopAbove = first;
          for (Worker x : workers.values())
            if (!x.lost) x.ref.tell(new ExploreWork.StopAbove(open.exploreId(), first));
          // batches after the first violation that were to run again are not needed
          again.tailMap(first, false).clear();
        }
      }
      feed();
      return finishIfDone();
    }

    private Behavior<ExploreResult> finishIfDone() {
      if (over) return this;
      boolean more = !again.headMap(stopAbove, false).isEmpty();
      if (!more && !StopRequest.requested()) more = cursor < total && cursor <= stopAbove;
      if (!assigned.isEmpty() || more) return this;
      return finish(false);
    }

    private Behavior<ExploreResult> finish(boolean interrupted) {
      over = true;
      for (Worker w : workers.values())
        if (!w.lost) w.ref.tell(new ExploreWork.Close(open.exploreId()));
      long wall = (System.nanoTime() - wallStart) / 1_000_000;
      Explorer.Report report =
          agg.report(scenarioName, wall, prefixMillis, interrupted || StopRequest.requested());
      Map<String, Long> perNode = new LinkedHashMap<>();
      for (Worker w : workers.values()) perNode.put(w.address.toString(), w.schedules);
      done.complete(
          new Outcome(
              report,
              workers.values().stream().map(w -> w.address.toString()).toList(),
              perNode,
              batchSize,
              batches,
              List.copyOf(lost)));
      return Behaviors.stopped();
    }

    private Behavior<ExploreResult> onInterrupt() {
      if (over) return Behaviors.stopped();
      return finish(true);
    }

    private Behavior<ExploreResult> onFailed(ExploreResult.Failed f) {
      if (over || !f.exploreId().equals(open.exploreId())) return this;
      String reason = f.reason() == null ? "failed" : f.reason();
      if (reason.startsWith("--fork-at: ")) return fail(new BadInputException(reason));
      return fail(new IllegalStateException("node " + f.address() + ": " + reason));
    }

    private Behavior<ExploreResult> fail(RuntimeException e) {
      over = true;
      for (Worker w : workers.values())
        if (!w.lost) w.ref.tell(new ExploreWork.Close(open.exploreId()));
      done.completeExceptionally(e);
      return Behaviors.stopped();
    }

    private Behavior<ExploreResult> lose(Address address, String how) {
      if (over) return this;
      int left = 0;
      Worker gone = null;
      for (Worker w : workers.values()) {
        if (w.address.equals(address) && !w.lost) {
          w.lost = true;
          gone = w;
        }
        if (!w.lost) left++;
      }
      if (gone == null) return this;
      int n = 0;
      for (Long from : new ArrayList<>(gone.outstanding)) {
        Long to = assignedTo.remove(from);
        assigned.remove(from);
        if (to != null && from < stopAbove) {
          again.put(from, to);
          n++;
        }
      }
      gone.outstanding.clear();
      long after = (System.nanoTime() - wallStart) / 1_000_000;
      lost.add(new Lost(address.toString(), how, n, after));
      getContext()
          .getLog()
          .warn(
              "kernsim: node {} {}; its {} unfinished batch(es) run again on the {} node(s) left",
              address,
              how,
              n,
              left);
      listener.nodeLost(address.toString(), how, n, left);
      if (left == 0) {
        return fail(
            new Unavailable(
                "node "
                    + address
                    + " "
                    + how
                    + " and no node of the exploration is left ("
                    + agg.run()
                    + " schedules run)"));
      }
      feed();
      return finishIfDone();
    }
  }
}
