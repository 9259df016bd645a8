package org.kernsim.actors.wqlife;

import org.kernsim.actors.mutex.KMutex;
import org.kernsim.engine.Context;
import org.kernsim.engine.Latency;
import org.kernsim.protocol.wqlife.LifeReply;
import org.kernsim.protocol.wqlife.PoolsRequest;

/**
 * {@code wq_pool_mutex} and what it protects ("PL"): the {@link UnboundPools} table. Its holder
 * calls {@code get_unbound_pool()} and {@code put_unbound_pool()}'s refcount step here.
 */
public final class WqPoolMutex extends KMutex {
  private final UnboundPools pools;

  /**
   * @param poolEntities the entities available for new unbound pools, in allocation order
   */
  public WqPoolMutex(int[] poolEntities, Latency lock) {
    super("wq_pool_mutex", lock);
    this.pools = new UnboundPools(poolEntities);
  }

  @Override
  protected boolean onOther(Context ctx, Object msg) {
    if (msg instanceof PoolsRequest.GetUnboundPool g) {
      assertHeld(ctx, g.holder(), "get_unbound_pool()");
      UnboundPools.Got got = pools.getUnboundPool(g.attrs());
      ctx.send(
          g.holder(), new LifeReply.PoolOf(g.token(), got.pool(), got.created()), lockLatency());
    } else if (msg instanceof PoolsRequest.PutUnboundPool p) {
      assertHeld(ctx, p.holder(), "put_unbound_pool()");
      ctx.send(
          p.holder(),
          new LifeReply.PoolRef(p.token(), pools.putUnboundPool(p.pool())),
          lockLatency());
    } else {
      return false;
    }
    return true;
  }
}
