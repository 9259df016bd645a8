package org.kernsim.engine.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
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
import org.kernsim.engine.EndReason;
import org.kernsim.engine.Placement;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.TraceObserver;
import org.kernsim.engine.actor.Coordinator;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.protocol.cluster.ClusterRunCommand;
import org.kernsim.protocol.cluster.NodeCommand;
import org.kernsim.protocol.engine.CoordinatorCommand;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * Drives one cluster run from the node that started it: finds the node engines (Receptionist),
 * gives each its range of partitions, starts the coordinator — whose window agreement is the
 * cluster-wide barrier — and watches the membership: a participating node that becomes unreachable
 * or leaves stops the run at once (it does not wait for the Split Brain Resolver).
 */
final class ClusterRun extends AbstractBehavior<ClusterRunCommand> {

  private record Listed(Receptionist.Listing listing)
      implements ClusterRunCommand.Local, NoSerializationVerificationNeeded {}

  private record Reachability(ClusterEvent.ReachabilityEvent event)
      implements ClusterRunCommand.Local, NoSerializationVerificationNeeded {}

  private record Membership(ClusterEvent.MemberEvent event)
      implements ClusterRunCommand.Local, NoSerializationVerificationNeeded {}

  private record PartitionGone(int generation, int partition)
      implements ClusterRunCommand.Local, NoSerializationVerificationNeeded {}

  /** The coordinator of run {@code generation} took a snapshot of the run. */
  private record SnapshotTaken(int generation, SimSnapshot snapshot)
      implements ClusterRunCommand.Local, NoSerializationVerificationNeeded {}

  /** The coordinator of a run given up for a snapshot has stopped. */
  private enum OldCoordinatorGone
      implements ClusterRunCommand.Local, NoSerializationVerificationNeeded {
    INSTANCE
  }

  private record AdmissionChanged(Admission.Changed changed)
      implements ClusterRunCommand.Local, NoSerializationVerificationNeeded {}

  private enum Timeout implements ClusterRunCommand.Local, NoSerializationVerificationNeeded {
    FORM,
    SETUP
  }

  private enum CoordinatorStopped
      implements ClusterRunCommand.Local, NoSerializationVerificationNeeded {
    INSTANCE
  }

  private enum Phase {
    FORMING,
    SETTING_UP,
    RUNNING,
    OVER
  }

  private final String baseRunId;
  private String runId;
  private final String model;
  private final Map<String, String> settings;
  private final Simulation sim;
  private final RunOptions options;
  private final ClusterDriver.Target target;
  private final CompletableFuture<RunResult> result;
  private final ClusterDriver.Holder holder;
  private final TimerScheduler<ClusterRunCommand> timers;
  private final Address self;
  private final String workerRole;
  private final Admission admission;

  private Phase phase = Phase.FORMING;
  private Set<ActorRef<NodeCommand>> listed = Set.of();
  private List<ActorRef<NodeCommand>> engines = List.of();
  private List<Address> addresses = List.of();
  private int partitions;
  private final Map<Integer, List<ActorRef<PartitionCommand>>> ready = new HashMap<>();
  private ActorRef<CoordinatorCommand> coordinator;
  private List<ActorRef<PartitionCommand>> running = List.of();

  // going on after a lost node, from the last snapshot
  private final Seen seen = new Seen();
  private final java.util.function.Supplier<StateCodec> codec;
  private SimSnapshot latest;
  private int generation;
  private boolean resuming;
  private SimSnapshot resumeFrom;
  private boolean oldCoordinatorAlive;
  private ClusterDriver.Recovery recovering;

  static Behavior<ClusterRunCommand> create(
      String runId,
      String model,
      Map<String, String> settings,
      Simulation sim,
      RunOptions options,
      ClusterDriver.Target target,
      CompletableFuture<RunResult> result,
      ClusterDriver.Holder holder) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new ClusterRun(
                        ctx, timers, runId, model, settings, sim, options, target, result,
                        holder)));
  }

  private ClusterRun(
      ActorContext<ClusterRunCommand> ctx,
      TimerScheduler<ClusterRunCommand> timers,
      String runId,
      String model,
      Map<String, String> settings,
      Simulation sim,
      RunOptions options,
      ClusterDriver.Target target,
      CompletableFuture<RunResult> result,
      ClusterDriver.Holder holder) {
    super(ctx);
    this.baseRunId = runId;
    this.runId = runId;
    this.codec = NodeRuns.once(() -> new StateCodec(sim));
    this.model = model;
    this.settings = settings;
    this.sim = sim;
    this.options = options;
    this.target = target;
    this.result = result;
    this.holder = holder;
    this.timers = timers;
    Cluster cluster = Cluster.get(ctx.getSystem());
    this.self = cluster.selfMember().address();
    this.workerRole =
        KernsimSettings.from(ctx.getSystem().settings().config()).cluster().workerRole();
    cluster
        .subscriptions()
        .tell(
            Subscribe.create(
                ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class, Reachability::new),
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
                NodeEngine.KEY, ctx.messageAdapter(Receptionist.Listing.class, Listed::new)));
    this.admission = Admission.get(ctx.getSystem());
    admission.subscribe(ctx.messageAdapter(Admission.Changed.class, AdmissionChanged::new));
    timers.startSingleTimer(Timeout.FORM, target.formTimeout());
  }

  @Override
  public Receive<ClusterRunCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(Listed.class, this::onListed)
        .onMessage(
            AdmissionChanged.class,
            a -> {
              if (phase == Phase.FORMING) tryStart();
              return this;
            })
        .onMessage(ClusterRunCommand.NodeReady.class, this::onNodeReady)
        .onMessage(
            ClusterRunCommand.SetupFailed.class,
            f -> failEarly("node " + f.address() + " could not set up the run: " + f.reason()))
        .onMessage(
            Reachability.class,
            r ->
                onMemberEvent(
                    r.event().member(),
                    r.event() instanceof ClusterEvent.UnreachableMember
                        ? "became unreachable"
                        : null))
        .onMessage(Membership.class, m -> onMemberEvent(m.event().member(), lossOf(m.event())))
        .onMessage(PartitionGone.class, this::onPartitionGone)
        .onMessage(
            SnapshotTaken.class,
            t -> {
              if (t.generation() == generation) latest = t.snapshot();
              return this;
            })
        .onMessageEquals(OldCoordinatorGone.INSTANCE, this::onOldCoordinatorGone)
        .onMessageEquals(Timeout.FORM, this::onFormTimeout)
        .onMessageEquals(
            Timeout.SETUP,
            () ->
                failEarly(
                    "the nodes did not set the run up within "
                        + target.setupTimeout().toSeconds()
                        + " s"))
        .onMessageEquals(CoordinatorStopped.INSTANCE, () -> Behaviors.stopped())
        .onSignal(PostStop.class, s -> onPostStop())
        .build();
  }

  private static String lossOf(ClusterEvent.MemberEvent e) {
    if (e instanceof ClusterEvent.MemberLeft) return "left the cluster";
    if (e instanceof ClusterEvent.MemberExited) return "left the cluster";
    if (e instanceof ClusterEvent.MemberDowned) return "was downed";
    if (e instanceof ClusterEvent.MemberRemoved) return "was removed from the cluster";
    return null;
  }

  // ------------------------------------------------------------------ forming

  private Behavior<ClusterRunCommand> onListed(Listed l) {
    listed = l.listing().getServiceInstances(NodeEngine.KEY);
    if (phase == Phase.FORMING) tryStart();
    return this;
  }

  private Address addressOf(ActorRef<?> ref) {
    Address a = ref.path().address();
    return a.hasLocalScope() ? self : a;
  }

  /**
   * Workers that are Up, proved the cluster token ({@link Admission}: a stranger that joined is
   * never handed a share) and have a node engine.
   */
  private List<ActorRef<NodeCommand>> usable() {
    Cluster cluster = Cluster.get(getContext().getSystem());
    String role = workerRole;
    Set<Address> up = new HashSet<>();
    for (Member m : cluster.state().getMembers()) {
      if (m.status() == MemberStatus.up() && m.hasRole(role) && admission.isAdmitted(m.address()))
        up.add(m.address());
    }
    up.removeAll(cluster.state().getUnreachable().stream().map(Member::address).toList());
    List<ActorRef<NodeCommand>> out = new ArrayList<>();
    for (ActorRef<NodeCommand> e : listed) if (up.contains(addressOf(e))) out.add(e);
    // this node first (it coordinates), then by address: a stable, readable order
    out.sort(
        Comparator.comparing((ActorRef<NodeCommand> e) -> !addressOf(e).equals(self))
            .thenComparing(e -> addressOf(e).toString()));
    return out;
  }

  private int wanted() {
    if (target.nodes() > 0) return target.nodes();
    Cluster cluster = Cluster.get(getContext().getSystem());
    String role = workerRole;
    int n = 0;
    for (Member m : cluster.state().getMembers())
      if (m.status() == MemberStatus.up() && m.hasRole(role) && admission.isAdmitted(m.address()))
        n++;
    return Math.max(1, n);
  }

  private void tryStart() {
    List<ActorRef<NodeCommand>> u = usable();
    int n = wanted();
    if (u.size() < n) return;
    engines = List.copyOf(u.subList(0, n));
    addresses = engines.stream().map(this::addressOf).toList();
    holder.nodes = addresses.stream().map(Address::toString).toList();
    phase = Phase.SETTING_UP;
    timers.cancel(Timeout.FORM);
    timers.startSingleTimer(Timeout.SETUP, target.setupTimeout());
    partitions = n * target.partitionsPerNode();
    if (options.resume() != null) {
      // run --from-snapshot: the nodes restore their shares, as after a lost node
      resuming = true;
      resumeFrom = options.resume();
      sendShares(resumeFrom);
      return;
    }
    for (int node = 0; node < n; node++) engines.get(node).tell(setupFor(node, n));
  }

  /** Node {@code node}'s part of the run: its contiguous range of partitions. */
  private NodeCommand.SetupRun setupFor(int node, int n) {
    boolean recordAll = options.recordAll() || !options.observers().isEmpty();
    int first = -1;
    int count = 0;
    for (int p = 0; p < partitions; p++) {
      if (Placement.nodeOfPartition(p, partitions, n) == node) {
        if (first < 0) first = p;
        count++;
      }
    }
    return new NodeCommand.SetupRun(
        runId,
        model,
        settings,
        options.seed(),
        recordAll,
        partitions,
        first,
        count,
        node,
        n,
        target.batchMaxEvents(),
        getContext().getSelf());
  }

  private Behavior<ClusterRunCommand> onFormTimeout() {
    if (phase != Phase.FORMING) return this;
    return failEarly(
        "the cluster did not converge: "
            + usable().size()
            + " of "
            + wanted()
            + " nodes ready after "
            + target.formTimeout().toSeconds()
            + " s");
  }

  // ------------------------------------------------------------------ setting up

  private Behavior<ClusterRunCommand> onNodeReady(ClusterRunCommand.NodeReady r) {
    if (phase != Phase.SETTING_UP || !r.runId().equals(runId)) return this;
    ready.put(r.node(), r.partitions());
    if (ready.size() < engines.size()) return this;
    timers.cancel(Timeout.SETUP);
    if (oldCoordinatorAlive) return this; // begins when it is gone (it holds the name)
    return begin();
  }

  private Behavior<ClusterRunCommand> onOldCoordinatorGone() {
    oldCoordinatorAlive = false;
    if (phase == Phase.SETTING_UP && ready.size() == engines.size()) return begin();
    return this;
  }

  /** Every node hosts its partitions: the coordinator starts the run (or goes on with it). */
  private Behavior<ClusterRunCommand> begin() {
    List<ActorRef<PartitionCommand>> all = new ArrayList<>();
    for (int node = 0; node < engines.size(); node++) all.addAll(ready.get(node));
    for (int p = 0; p < all.size(); p++)
      getContext().watchWith(all.get(p), new PartitionGone(generation, p));
    running = all;
    Coordinator.Extras extras =
        new Coordinator.Extras(
            target.stallTimeout(),
            sync -> holder.sync = sync,
            target.freeRounds(),
            target.speculate());
    ActorRef<ClusterRunCommand> me = getContext().getSelf();
    int gen = generation;
    SimSnapshot resume = resuming ? resumeFrom : null;
    Coordinator.Recovery rec =
        new Coordinator.Recovery(
            target.recover() ? target.snapshotEvery() : 0,
            target.snapshotMaxShare(),
            codec,
            model,
            settings,
            s -> me.tell(new SnapshotTaken(gen, s)),
            resume);
    RunOptions o = options.withProgress(seen);
    RunOptions.Snapshots asked = askedSnapshot();
    if (asked != options.snapshot()) o = o.withSnapshot(asked);
    if (resume != null) {
      // the observers (trace file, progress) saw the windows up to the loss: not again
      long skip = seen.until.get();
      List<TraceObserver> replayed = new ArrayList<>();
      for (TraceObserver t : options.observers()) replayed.add(new Replayed(t, skip));
      replayed.add(seen);
      seen.resumedBy = recovering;
      o =
          options
              .withRecordAll(options.recordAll() || !options.observers().isEmpty())
              .withObservers(replayed)
              .withSnapshot(asked)
              .withoutResume();
    }
    coordinator =
        getContext().spawn(Coordinator.create(sim, o, result, extras, rec), "kernsim-coordinator");
    getContext().watchWith(coordinator, CoordinatorStopped.INSTANCE);
    phase = Phase.RUNNING;
    coordinator.tell(new Coordinator.Begin(all));
    return this;
  }

  // ------------------------------------------------------------------ losses

  private Behavior<ClusterRunCommand> onMemberEvent(Member m, String how) {
    if (how == null || phase == Phase.FORMING || phase == Phase.OVER) return this;
    if (!addresses.contains(m.address())) return this;
    return lost("node " + m.address() + " " + how, m.address());
  }

  private Behavior<ClusterRunCommand> onPartitionGone(PartitionGone g) {
    if (phase != Phase.RUNNING || g.generation() != generation) return this;
    Address a =
        g.partition() < partitions
            ? addresses.get(Placement.nodeOfPartition(g.partition(), partitions, addresses.size()))
            : self;
    return lost("node " + a + " stopped (its partition " + g.partition() + " terminated)", a);
  }

  private Behavior<ClusterRunCommand> lost(String detail, Address where) {
    List<ActorRef<NodeCommand>> survivors = survivors(where);
    if ((phase == Phase.RUNNING || (phase == Phase.SETTING_UP && resuming))
        && target.recover()
        && latest != null
        && !survivors.isEmpty()) {
      return recover(detail, where, survivors);
    }
    return fail(detail);
  }

  /** The nodes of the run other than {@code lost} that are still Up and reachable. */
  private List<ActorRef<NodeCommand>> survivors(Address lost) {
    Cluster cluster = Cluster.get(getContext().getSystem());
    Set<Address> fine = new HashSet<>();
    for (Member m : cluster.state().getMembers())
      if (m.status() == MemberStatus.up()) fine.add(m.address());
    for (Member m : cluster.state().getUnreachable()) fine.remove(m.address());
    fine.add(self);
    List<ActorRef<NodeCommand>> out = new ArrayList<>();
    for (ActorRef<NodeCommand> e : engines) {
      Address a = addressOf(e);
      if (!a.equals(lost) && fine.contains(a)) out.add(e);
    }
    return out;
  }

  /**
   * A node was lost: give the run up and go on from the last snapshot on the {@code survivors},
   * which take over the lost node's partitions (the run is placed anew over fewer nodes; an
   * entity's history does not depend on where it runs).
   */
  private Behavior<ClusterRunCommand> recover(
      String detail, Address lostNode, List<ActorRef<NodeCommand>> survivors) {
    long noticed = System.nanoTime();
    SimSnapshot s = latest;
    getContext()
        .getLog()
        .warn(
            "kernsim: {}; going on from the snapshot of window {} on {} node(s)",
            detail,
            s.windows(),
            survivors.size());
    if (coordinator != null) {
      getContext().unwatch(coordinator);
      getContext().watchWith(coordinator, OldCoordinatorGone.INSTANCE);
      oldCoordinatorAlive = true;
      coordinator.tell(Coordinator.Abandon.INSTANCE);
      coordinator = null;
    }
    for (ActorRef<PartitionCommand> p : running) getContext().unwatch(p);
    running = List.of();
    for (ActorRef<NodeCommand> e : engines) e.tell(new NodeCommand.EndRun(runId));
    generation++;
    runId = baseRunId + "g" + generation;
    engines = List.copyOf(survivors);
    addresses = engines.stream().map(this::addressOf).toList();
    holder.nodes = addresses.stream().map(Address::toString).toList();
    recovering =
        new ClusterDriver.Recovery(lostNode.toString(), s.windows(), engines.size(), noticed);
    holder.recoveries.add(recovering);
    resuming = true;
    resumeFrom = s;
    ready.clear();
    phase = Phase.SETTING_UP;
    timers.startSingleTimer(Timeout.SETUP, target.setupTimeout());
    sendShares(s);
    return this;
  }

  /**
   * Each survivor gets the states of the entities it will host and their pending events, in pieces
   * that fit a frame, then the run to host.
   */
  private void sendShares(SimSnapshot s) {
    int n = engines.size();
    partitions = n * target.partitionsPerNode();
    Placement placement = new Placement(sim, partitions);
    List<List<SimSnapshot.EntityState>> states = new ArrayList<>();
    List<List<Event>> pending = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      states.add(new ArrayList<>());
      pending.add(new ArrayList<>());
    }
    for (SimSnapshot.EntityState e : s.entities())
      states.get(Placement.nodeOfPartition(placement.partitionOf(e.id()), partitions, n)).add(e);
    for (Event e : s.pending())
      pending.get(Placement.nodeOfPartition(placement.partitionOf(e.dst()), partitions, n)).add(e);
    for (int node = 0; node < n; node++) {
      ActorRef<NodeCommand> engine = engines.get(node);
      List<SimSnapshot.EntityState> chunk = new ArrayList<>();
      long bytes = 0;
      for (SimSnapshot.EntityState e : states.get(node)) {
        int size = e.state().length + 64;
        if (!chunk.isEmpty() && bytes + size > SHARE_CHUNK_BYTES) {
          engine.tell(new NodeCommand.RestoreShare(runId, chunk, List.of()));
          chunk = new ArrayList<>();
          bytes = 0;
        }
        chunk.add(e);
        bytes += size;
      }
      if (!chunk.isEmpty()) engine.tell(new NodeCommand.RestoreShare(runId, chunk, List.of()));
      List<Event> events = pending.get(node);
      int per = Math.max(1, target.batchMaxEvents());
      for (int from = 0; from < events.size(); from += per) {
        engine.tell(
            new NodeCommand.RestoreShare(
                runId,
                List.of(),
                new ArrayList<>(events.subList(from, Math.min(events.size(), from + per)))));
      }
      engine.tell(new NodeCommand.ResumeRun(setupFor(node, n), s.windows()));
    }
  }

  /**
   * The snapshot the run's options ask for (run --snapshot-at), unless a coordinator given up after
   * a lost node took it already (null then).
   */
  private RunOptions.Snapshots askedSnapshot() {
    RunOptions.Snapshots a = options.snapshot();
    if (a == null) return null;
    if (askedTaken.get()) return null;
    return new RunOptions.Snapshots(
        a.atNanos(),
        a.settings(),
        a.stopAfter(),
        s -> {
          askedTaken.set(true);
          a.sink().accept(s);
        });
  }

  private final java.util.concurrent.atomic.AtomicBoolean askedTaken =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** The most bytes of entity state in one {@code RestoreShare} message. */
  static final int SHARE_CHUNK_BYTES = 4 << 20;

  private Behavior<ClusterRunCommand> fail(String detail) {
    if (phase == Phase.RUNNING) {
      phase = Phase.OVER;
      coordinator.tell(new Coordinator.Fail(detail, Coordinator.Cause.CLUSTER));
      return this; // the coordinator fails the run and stops; then so do we
    }
    return failEarly(detail);
  }

  private Behavior<ClusterRunCommand> failEarly(String detail) {
    phase = Phase.OVER;
    result.completeExceptionally(
        new Coordinator.RunFailed(
            detail, seen.windows.get() - 1, seen.until.get(), Coordinator.Cause.CLUSTER));
    return Behaviors.stopped();
  }

  /**
   * Follows the windows as the observers see them: how far the run got (so that a run that goes on
   * from a snapshot does not show its observers the same windows twice), and when a run that went
   * on from a snapshot completed its first window again.
   */
  static final class Seen implements TraceObserver {
    final java.util.concurrent.atomic.AtomicLong until =
        new java.util.concurrent.atomic.AtomicLong(-1);
    final java.util.concurrent.atomic.AtomicLong windows =
        new java.util.concurrent.atomic.AtomicLong();
    volatile ClusterDriver.Recovery resumedBy;

    @Override
    public void observe(org.kernsim.protocol.engine.TraceRecord record) {}

    @Override
    public Set<Class<?>> observes() {
      return Set.of(); // the windows only
    }

    @Override
    public void windowCompleted(long windowEnd) {
      ClusterDriver.Recovery r = resumedBy;
      if (r != null) {
        resumedBy = null;
        r.resumed(System.nanoTime());
      }
      if (windowEnd > until.get()) {
        until.set(windowEnd);
        windows.incrementAndGet();
      }
    }
  }

  /**
   * An observer of a run that went on from a snapshot: the windows up to {@code skipUntil} (the end
   * of the last window it saw before the loss) are run again, with the same records; it sees them
   * once.
   */
  static final class Replayed implements TraceObserver {
    private final TraceObserver o;
    private final long skipUntil;

    Replayed(TraceObserver o, long skipUntil) {
      this.o = o;
      this.skipUntil = skipUntil;
    }

    @Override
    public void observe(org.kernsim.protocol.engine.TraceRecord r) {
      if (r.time() >= skipUntil) o.observe(r);
    }

    @Override
    public Set<Class<?>> observes() {
      return o.observes();
    }

    @Override
    public void windowCompleted(long windowEnd) {
      if (windowEnd > skipUntil) o.windowCompleted(windowEnd);
    }

    @Override
    public void finish(long endNanos, EndReason reason) {
      o.finish(endNanos, reason);
    }
  }

  private Behavior<ClusterRunCommand> onPostStop() {
    for (ActorRef<NodeCommand> e : engines) e.tell(new NodeCommand.EndRun(runId));
    if (!result.isDone()) {
      result.completeExceptionally(
          new Coordinator.RunFailed("the run was stopped", -1, 0, Coordinator.Cause.CLUSTER));
    }
    return this;
  }
}
