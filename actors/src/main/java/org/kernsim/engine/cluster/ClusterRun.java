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
import org.kernsim.engine.Placement;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.actor.Coordinator;
import org.kernsim.protocol.cluster.ClusterRunCommand;
import org.kernsim.protocol.cluster.NodeCommand;
import org.kernsim.protocol.engine.CoordinatorCommand;
import org.kernsim.protocol.engine.PartitionCommand;

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

  private record PartitionGone(int partition)
      implements ClusterRunCommand.Local, NoSerializationVerificationNeeded {}

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

  private final String runId;
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
    this.runId = runId;
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
    boolean recordAll = options.recordAll() || !options.observers().isEmpty();
    for (int node = 0; node < n; node++) {
      int first = -1;
      int count = 0;
      for (int p = 0; p < partitions; p++) {
        if (Placement.nodeOfPartition(p, partitions, n) == node) {
          if (first < 0) first = p;
          count++;
        }
      }
      engines
          .get(node)
          .tell(
              new NodeCommand.SetupRun(
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
                  getContext().getSelf()));
    }
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
    List<ActorRef<PartitionCommand>> all = new ArrayList<>();
    for (int node = 0; node < engines.size(); node++) all.addAll(ready.get(node));
    for (int p = 0; p < all.size(); p++) getContext().watchWith(all.get(p), new PartitionGone(p));
    Coordinator.Extras extras =
        new Coordinator.Extras(target.stallTimeout(), m -> holder.crossNode = m);
    coordinator =
        getContext().spawn(Coordinator.create(sim, options, result, extras), "kernsim-coordinator");
    getContext().watchWith(coordinator, CoordinatorStopped.INSTANCE);
    phase = Phase.RUNNING;
    coordinator.tell(new Coordinator.Begin(all));
    return this;
  }

  // ------------------------------------------------------------------ losses

  private Behavior<ClusterRunCommand> onMemberEvent(Member m, String how) {
    if (how == null || phase == Phase.FORMING || phase == Phase.OVER) return this;
    if (!addresses.contains(m.address())) return this;
    return lost("node " + m.address() + " " + how);
  }

  private Behavior<ClusterRunCommand> onPartitionGone(PartitionGone g) {
    if (phase != Phase.RUNNING) return this;
    Address a =
        g.partition() < partitions
            ? addresses.get(Placement.nodeOfPartition(g.partition(), partitions, addresses.size()))
            : self;
    return lost("node " + a + " stopped (its partition " + g.partition() + " terminated)");
  }

  private Behavior<ClusterRunCommand> lost(String detail) {
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
        new Coordinator.RunFailed(detail, -1, 0, Coordinator.Cause.CLUSTER));
    return Behaviors.stopped();
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
