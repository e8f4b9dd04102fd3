/** A plug-in module that cannot be loaded, or does not export what it must: one line for the user. */
export class PluginError extends Error {
  override name = 'PluginError';
}
