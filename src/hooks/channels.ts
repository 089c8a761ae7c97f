/**
 * Declarative diagnostics-channel subscriptions (a definition's `channels`): subscribe at
 * start-up, load the handlers on the first message of a channel marked `loads`, contain every
 * handler's errors. What each channel-based instrumentation used to hand-roll.
 */
import * as diagnosticsChannel from 'node:diagnostics_channel';
import type { ChannelSubscriptions, InstrumentationContext } from '../kit/definition';
import { log } from '../log';

export function subscribeChannels(id: string, subscriptions: ChannelSubscriptions, ctx: () => InstrumentationContext): void {
  let handlers: Record<string, (message: unknown, name: string | symbol) => void> | undefined;
  let loadFailed = false;

  const load = (): typeof handlers => {
    if (handlers !== undefined || loadFailed) return handlers;
    try {
      handlers = subscriptions.load(ctx());
      log.debug(`${id}: first diagnostics-channel message seen, handlers loaded`);
    } catch (err) {
      // Never again: a failing load on every message would only repeat the failure.
      loadFailed = true;
      log.errorOnce(`OTELI_E_CHANNEL_LOAD`, `${id}: could not load the diagnostics-channel handlers`, err);
    }
    return handlers;
  };

  for (const { channel, handler, loads } of subscriptions.on) {
    // The top-level diagnostics_channel.subscribe(name, fn) holds the channel strongly; a
    // channel(name).subscribe() whose Channel nobody keeps could be garbage collected together
    // with its subscriber (nodejs/node#42170, fully fixed only with nodejs/node#47520).
    diagnosticsChannel.subscribe(channel, (message, name) => {
      const current = loads === true ? load() : handlers;
      if (current === undefined) return;
      try {
        current[handler](message, name);
      } catch (err) {
        // A publisher calls its subscribers synchronously: a throw here would reach the app.
        log.errorOnce(`OTELI_E_CHANNEL_HANDLER`, `${id}: handling ${channel} failed`, err);
      }
    });
  }
  log.debug(`${id}: subscribed to ${subscriptions.on.map((s) => s.channel).join(', ')}`);
}
