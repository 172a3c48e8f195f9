import type { AttachmentIndex } from "./attachment-index.js";
import type { AttachmentSettings } from "./settings.js";

/** Settings read once and re-read when the index's settings version moves. */
export interface SettingsCache {
  /** The settings in force, re-read when the version changed (checked at most every `refreshMs`). */
  get(): Promise<AttachmentSettings>;
  /** Reads the settings again now. */
  reload(): Promise<AttachmentSettings>;
}

/**
 * Caches `load()` for the process, checking the index's cheap settings version at most every
 * `refreshMs`: a front-end sees `install` move the location within seconds, without reading
 * every setting on every upload. An index without a settings version keeps the first read.
 */
export function cachedSettings(
  index: AttachmentIndex,
  load: () => Promise<AttachmentSettings>,
  refreshMs: number,
): SettingsCache {
  let cached: Promise<AttachmentSettings> | undefined;
  let version: string | undefined;
  let checkedAt = 0;
  let checking: Promise<void> | undefined;
  const read = (): Promise<AttachmentSettings> => {
    const pending = (async () => {
      // The version first: a change landing during the read is seen at the next check.
      version = await index.settingsVersion?.();
      checkedAt = Date.now();
      return load();
    })().catch((error: unknown) => {
      if (cached === pending) cached = undefined;
      throw error;
    });
    cached = pending;
    return pending;
  };
  const check = async (): Promise<void> => {
    const now = await index.settingsVersion?.();
    checkedAt = Date.now();
    if (now !== version) await read();
  };
  return {
    get: async () => {
      if (!cached) return read();
      if (index.settingsVersion && Date.now() - checkedAt >= refreshMs) {
        checking ??= check().finally(() => {
          checking = undefined;
        });
        await checking;
      }
      return cached;
    },
    reload: read,
  };
}
