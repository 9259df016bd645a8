package org.kernsim.engine;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for a result on the caller's thread: runtime failures come through as they were. */
public final class Await {
  private Await() {}

  public static <T> T result(Future<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      if (e.getCause() instanceof Error err) throw err;
      throw new IllegalStateException(e.getCause());
    }
  }
}
