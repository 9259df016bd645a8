package org.kernsim.protocol.engine;

import org.kernsim.protocol.WireMessage;

/**
 * The protocol of an entity actor. In a cluster, entities are Cluster Sharding entities: their
 * partition starts each one once through sharding with {@link Attach}, the entity registers its own
 * ActorRef back with the partition, and from then on the partition talks to it directly with {@link
 * Local} messages that never leave their node.
 */
public sealed interface EntityCommand extends WireMessage
    permits EntityCommand.Attach, EntityCommand.Local {

  /** Start (through sharding) and register with your partition. */
  enum Attach implements EntityCommand {
    INSTANCE
  }

  /** Messages between a partition and the entity actors of its own node. */
  non-sealed interface Local extends EntityCommand {}
}
