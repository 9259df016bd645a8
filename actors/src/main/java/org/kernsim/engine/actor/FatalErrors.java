package org.kernsim.engine.actor;

import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A run's actors turn a fatal error of their own (the heap exhausted, the stack overflowed) into
 * the run's failure: the waiting caller gets the error and reports it in one line, instead of Pekko
 * printing "Uncaught error ... shutting down JVM" with a stack trace and exiting.
 */
public final class FatalErrors {
  private FatalErrors() {}

  /** {@code behavior}, whose fatal errors complete {@code result} exceptionally and stop it. */
  public static <T> Behavior<T> guard(Behavior<T> behavior, CompletableFuture<?> result) {
    return Behaviors.intercept(() -> new Guard<T>(result), behavior);
  }

  private static final class Guard<T> extends BehaviorInterceptor<T, T> {
    private final CompletableFuture<?> result;

    @SuppressWarnings("unchecked")
    Guard(CompletableFuture<?> result) {
      super((Class<T>) (Class<?>) Object.class);
      this.result = result;
    }

    @Override
    public Behavior<T> aroundStart(TypedActorContext<T> ctx, PreStartTarget<T> target) {
      try {
        return target.start(ctx);
      } catch (VirtualMachineError e) {
        result.completeExceptionally(e);
        return Behaviors.stopped();
      }
    }

    @Override
    public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
      try {
        return target.apply(ctx, msg);
      } catch (VirtualMachineError e) {
        result.completeExceptionally(e);
        return Behaviors.stopped();
      }
    }
  }
}
