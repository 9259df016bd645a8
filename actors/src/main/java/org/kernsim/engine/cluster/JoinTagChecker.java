package org.kernsim.engine.cluster;

import com.typesafe.config.Config;
import java.util.List;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Pekko's join-time configuration check, with the cluster's join tag (derived from the token, see
 * {@code ClusterToken.joinTag}) as a required key: a node started with another token is told so
 * before it becomes a member, and stops (Pekko runs CoordinatedShutdown with {@code
 * IncompatibleConfigurationDetectedReason}).
 *
 * <p>What Pekko 1.7 does with it (read in {@code SeedNodeProcess}, {@code ClusterDaemon}): the
 * joining node sends the values of the required keys in {@code InitJoin} to its seed nodes; a seed
 * node checks them and answers {@code IncompatibleConfig} or {@code CompatibleConfig} (its own
 * values of the keys the joiner sent, minus {@code sensitive-config-paths}); the joining node alone
 * decides to stop ({@code enforce-on-join}). A {@code Join} message — what {@code
 * Cluster.join(address)} sends — is accepted without any check. So this is a courtesy to honest
 * nodes with the wrong token; {@link Admission} is what keeps strangers out.
 */
public final class JoinTagChecker extends JoinConfigCompatChecker {
  static final String KEY = "kernsim.cluster.join-tag";

  @Override
  public scala.collection.immutable.Seq<String> requiredKeys() {
    return CollectionConverters.asScala(List.of(KEY)).toList();
  }

  @Override
  public ConfigValidation check(Config toCheck, Config actualConfig) {
    return JoinConfigCompatChecker.fullMatch(requiredKeys(), toCheck, actualConfig);
  }
}
