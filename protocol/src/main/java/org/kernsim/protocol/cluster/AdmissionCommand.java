package org.kernsim.protocol.cluster;

import org.apache.pekko.actor.typed.ActorRef;
import org.kernsim.protocol.WireMessage;

/**
 * The protocol of a node's admission actor ({@code /system/kernsim-admission}): every node asks
 * every other member to prove that it holds the cluster's token. Kernsim frames carry a MAC keyed
 * from the token, so a {@link Proof} that arrives at all comes from a holder; the nonce makes it
 * fresh and the address names who answered (a relayed proof names the wrong node).
 */
public sealed interface AdmissionCommand extends WireMessage
    permits AdmissionCommand.Challenge, AdmissionCommand.Proof, AdmissionCommand.Local {

  /** Prove you hold the token: answer {@link Proof} with {@code nonce} to {@code replyTo}. */
  record Challenge(long nonce, ActorRef<AdmissionCommand> replyTo) implements AdmissionCommand {}

  /** The answer to {@link Challenge} {@code nonce}, from the node at {@code address}. */
  record Proof(long nonce, String address) implements AdmissionCommand {}

  /** Messages that never leave the node. */
  non-sealed interface Local extends AdmissionCommand {}
}
