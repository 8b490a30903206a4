// The names of GroveApi's calls, alone, so the sandboxed preload can expose them without bundling the schemas.
export const API_METHODS = [
  'info',
  'forestSummary',
  'domainReport',
  'addDomain',
  'jobs',
  'cancelJob',
  'exportModel',
  // the BTM operations (schemas-forest.ts)
  'createSampleForest',
  'createForest',
  'estimatePrior',
  'priors',
  'trainExpert',
  'trainModel',
  'runs',
  'runMetrics',
  'pauseJob',
  'resumeJob',
  'removeModel',
  'gc',
  'evaluate',
  'evaluations',
  'collapse',
  'mergeMethods',
  // which collapse is best (schemas-collapse-trial.ts)
  'tryCollapseMethods',
  'collapseTrial',
  // the forest against one dense model (schemas-verdict.ts)
  'compareWithBaseline',
  'verdict',
  // estimates before long jobs (schemas-estimate.ts)
  'trainingEstimate',
  'measureTraining',
  // chat (schemas-chat.ts)
  'chats',
  'chat',
  'deleteChat',
  'sendMessage',
  'stopReply',
  'regenerate',
  // models in (schemas-hub.ts)
  'curatedModels',
  'downloadModel',
  'importSeed',
  'importAdapter',
  // saved mixes (schemas-mix.ts)
  'mixes',
  'saveMix',
  'removeMix',
  // the OpenAI-compatible endpoint's switch (schemas-openai.ts)
  'openaiEndpoint',
  'setOpenaiEndpoint',
  // domains discovered in one folder (schemas-discover.ts)
  'discoverDomains',
  'discovery',
  'growDiscovered',
  'discoveredEstimate',
  // where new experts train: this computer or a Slurm cluster (schemas-cluster.ts)
  'clusterSettings',
  'setClusterSettings',
] as const;
export type ApiMethodName = (typeof API_METHODS)[number];

/** Electron IPC channels: one for calls (invoke), one for events pushed from main. */
export const IPC_CALL_CHANNEL = 'grove:call';
export const IPC_EVENT_CHANNEL = 'grove:event';
