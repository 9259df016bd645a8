package org.kernsim.actors.wqlife;

import java.util.HashMap;
import java.util.Map;

/**
 * The {@code wq_pool_mutex}-protected table of unbound pools ({@code kernel/workqueue.c}, 2026):
 * {@code unbound_pool_hash} (attributes to pool), {@code pool->refcnt}, and the pool ids. Pure;
 * {@link WqPoolMutex} holds it. New pools come from a fixed list of pool entities, each used once
 * (a freed pool is never handed out again, so a use after free stays visible).
 */
public final class UnboundPools {
  /** {@code get_unbound_pool()}'s answer. */
  public record Got(int pool, boolean created) {}

  private final int[] entities;
  private int next;
  private final Map<Integer, Integer> hash = new HashMap<>();
  private final Map<Integer, Integer> refcnt = new HashMap<>();

  public UnboundPools(int[] entities) {
    this.entities = entities.clone();
  }

  /**
   * {@code get_unbound_pool(attrs)}: "do we already have a matching pool?" then {@code
   * pool->refcnt++}; else "nope, create a new one": refcnt 1, {@code hash_add()}.
   */
  public Got getUnboundPool(int attrs) {
    Integer pool = hash.get(attrs);
    if (pool != null) {
      refcnt.merge(pool, 1, Integer::sum);
      return new Got(pool, false);
    }
    if (next >= entities.length)
      throw new IllegalStateException(
          "more unbound pools than the layout has (" + entities.length + ")");
    pool = entities[next++];
    hash.put(attrs, pool);
    refcnt.put(pool, 1);
    return new Got(pool, true);
  }

  /**
   * {@code put_unbound_pool()}'s first step: {@code if (--pool->refcnt) return;}, else "release id
   * and unhash" ({@code idr_remove()}, {@code hash_del()}): returns the refcnt left.
   */
  public int putUnboundPool(int pool) {
    Integer r = refcnt.get(pool);
    if (r == null) throw new IllegalStateException("put of an unknown pool " + pool);
    int left = r - 1;
    if (left == 0) {
      refcnt.remove(pool);
      hash.values().removeIf(v -> v == pool);
    } else {
      refcnt.put(pool, left);
    }
    return left;
  }

  /** The refcnt of a hashed pool, or 0. */
  public int refcnt(int pool) {
    return refcnt.getOrDefault(pool, 0);
  }
}
