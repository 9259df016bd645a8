package org.kernsim.engine.cluster;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Leave;
import org.apache.pekko.cluster.typed.Subscribe;
import org.kernsim.protocol.cluster.AdmissionCommand;

/**
 * Membership needs the cluster's token. Pekko lets any node that reaches a member's port join (its
 * configuration check, {@link JoinTagChecker}, is enforced by the joining node alone, and a {@code
 * Join} sent directly skips it), so every kernsim node checks every other member itself: it sends a
 * {@link AdmissionCommand.Challenge} (kernsim frames carry a MAC keyed from the token, so only a
 * holder can read it or answer) and admits the member when its {@link AdmissionCommand.Proof} comes
 * back. A member that does not prove itself within {@code kernsim.cluster.auth.admission-timeout}
 * is downed by the older members; a node whose older members all fail its challenges is in the
 * wrong cluster and leaves. Runs use admitted nodes only ({@link ClusterRun}), so a stranger is
 * never handed a share of a run, even before it is downed.
 *
 * <p>Without a token (an empty {@code kernsim.cluster.auth.token}) every member counts as admitted.
 */
public final class Admission implements Extension {
  static final String NAME = "kernsim-admission";

  /** The admitted members changed. */
  public enum Changed {
    INSTANCE
  }

  private final boolean enabled;
  private final Duration timeout;
  private final ActorSystem<?> system;
  private final Set<UniqueAddress> admitted = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<String> refused = new CompletableFuture<>();
  private final ActorRef<AdmissionCommand> actor;

  private Admission(ActorSystem<?> system) {
    this.system = system;
    var c = system.settings().config();
    this.enabled = !c.getString("kernsim.cluster.auth.token").isEmpty();
    this.timeout = c.getDuration("kernsim.cluster.auth.admission-timeout");
    this.actor = system.systemActorOf(behavior(this), NAME, Props.empty());
  }

  private static final ExtensionId<Admission> ID =
      new ExtensionId<>() {
        @Override
        public Admission createExtension(ActorSystem<?> system) {
          return new Admission(system);
        }
      };

  /** This node's admission (started on first use; a cluster node starts it at once). */
  public static Admission get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /**
   * Whether the member at {@code address} (this incarnation of it) proved the token; this node
   * always is, and without a token every member is.
   */
  public boolean isAdmitted(Address address) {
    if (!enabled) return true;
    Cluster cluster = Cluster.get(system);
    if (cluster.selfMember().address().equals(address)) return true;
    for (Member m : cluster.state().getMembers())
      if (m.address().equals(address)) return admitted.contains(m.uniqueAddress());
    return false;
  }

  /** Whether frames and members are checked (this node has a cluster token). */
  public boolean enabled() {
    return enabled;
  }

  /**
   * Completed (with the reason) when this node concluded that its cluster does not share its token.
   */
  public CompletableFuture<String> refused() {
    return refused;
  }

  /** {@code subscriber} hears {@link Changed} whenever a member is admitted or leaves. */
  public void subscribe(ActorRef<Changed> subscriber) {
    actor.tell(new SubscribeChanges(subscriber));
  }

  private record SubscribeChanges(ActorRef<Changed> subscriber)
      implements AdmissionCommand.Local, NoSerializationVerificationNeeded {}

  private record Members(ClusterEvent.MemberEvent event)
      implements AdmissionCommand.Local, NoSerializationVerificationNeeded {}

  private enum Tick implements AdmissionCommand.Local, NoSerializationVerificationNeeded {
    INSTANCE
  }

  /** A challenge in flight to one member. */
  private static final class Pending {
    final long nonce;
    final long deadline;

    Pending(long nonce, long deadline) {
      this.nonce = nonce;
      this.deadline = deadline;
    }
  }

  private static Behavior<AdmissionCommand> behavior(Admission admission) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new Checker(ctx, timers, admission)));
  }

  private static final class Checker extends AbstractBehavior<AdmissionCommand> {
    private final Admission admission;
    private final Cluster cluster;
    private final ActorRefResolver resolver;
    private final SecureRandom random = new SecureRandom();
    private final Map<UniqueAddress, Pending> pending = new HashMap<>();
    private final Set<UniqueAddress> failedOlder = new HashSet<>();
    private final Set<ActorRef<Changed>> subscribers = new HashSet<>();

    Checker(
        ActorContext<AdmissionCommand> ctx,
        TimerScheduler<AdmissionCommand> timers,
        Admission admission) {
      super(ctx);
      this.admission = admission;
      this.cluster = Cluster.get(ctx.getSystem());
      this.resolver = ActorRefResolver.get(ctx.getSystem());
      if (admission.enabled) {
        cluster
            .subscriptions()
            .tell(
                Subscribe.create(
                    ctx.messageAdapter(ClusterEvent.MemberEvent.class, Members::new),
                    ClusterEvent.MemberEvent.class));
        timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofSeconds(1));
      }
    }

    @Override
    public Receive<AdmissionCommand> createReceive() {
      return newReceiveBuilder()
          .onMessage(AdmissionCommand.Challenge.class, this::onChallenge)
          .onMessage(AdmissionCommand.Proof.class, this::onProof)
          .onMessage(Members.class, m -> check())
          .onMessageEquals(Tick.INSTANCE, this::check)
          .onMessage(
              SubscribeChanges.class,
              s -> {
                subscribers.add(s.subscriber());
                return this;
              })
          .build();
    }

    private Address self() {
      return cluster.selfMember().address();
    }

    private Behavior<AdmissionCommand> onChallenge(AdmissionCommand.Challenge c) {
      if (c.replyTo() != null)
        c.replyTo().tell(new AdmissionCommand.Proof(c.nonce(), self().toString()));
      return this;
    }

    private Behavior<AdmissionCommand> onProof(AdmissionCommand.Proof p) {
      for (Map.Entry<UniqueAddress, Pending> e : pending.entrySet()) {
        if (e.getValue().nonce == p.nonce()
            && e.getKey().address().toString().equals(p.address())) {
          pending.remove(e.getKey());
          admission.admitted.add(e.getKey());
          failedOlder.remove(e.getKey());
          changed();
          break;
        }
      }
      return this;
    }

    private void changed() {
      for (ActorRef<Changed> s : subscribers) s.tell(Changed.INSTANCE);
    }

    /** Challenges the members not admitted yet, and gives up on those past the deadline. */
    private Behavior<AdmissionCommand> check() {
      Member self = cluster.selfMember();
      Set<UniqueAddress> present = new HashSet<>();
      long now = System.nanoTime();
      boolean membersChanged = false;
      for (Member m : cluster.state().getMembers()) {
        UniqueAddress u = m.uniqueAddress();
        present.add(u);
        if (u.equals(self.uniqueAddress()) || admission.admitted.contains(u)) continue;
        MemberStatus s = m.status();
        if (s != MemberStatus.joining() && s != MemberStatus.weaklyUp() && s != MemberStatus.up())
          continue;
        Pending p = pending.get(u);
        if (p == null) {
          p = new Pending(random.nextLong(), now + admission.timeout.toNanos());
          pending.put(u, p);
        } else if (now - p.deadline >= 0) {
          giveUp(self, m);
          continue;
        }
        ActorRef<AdmissionCommand> there =
            resolver.resolveActorRef(m.address() + "/system/" + NAME);
        there.tell(new AdmissionCommand.Challenge(p.nonce, getContext().getSelf()));
      }
      // members that left: forget them
      pending.keySet().retainAll(present);
      failedOlder.retainAll(present);
      if (admission.admitted.retainAll(present)) membersChanged = true;
      if (membersChanged) changed();
      return this;
    }

    private void giveUp(Member self, Member m) {
      pending.remove(m.uniqueAddress());
      if (self.isOlderThan(m)) {
        getContext()
            .getLog()
            .warn(
                "kernsim: node {} did not prove the cluster token within {} s: downing it",
                m.address(),
                admission.timeout.toSeconds());
        cluster.manager().tell(new Down(m.address()));
        return;
      }
      failedOlder.add(m.uniqueAddress());
      boolean anyOlderAdmitted = false;
      for (Member o : cluster.state().getMembers()) {
        if (o.isOlderThan(self) && admission.admitted.contains(o.uniqueAddress()))
          anyOlderAdmitted = true;
      }
      if (!anyOlderAdmitted && !admission.refused.isDone()) {
        String why =
            "the cluster's nodes (" + m.address() + ") do not hold this node's cluster token";
        getContext().getLog().error("kernsim: {}: leaving", why);
        admission.refused.complete(why);
        cluster.manager().tell(new Leave(self.address()));
      }
    }
  }
}
