/**
 * @module code
 * The `code` node type: users' JavaScript run in the sandbox.
 */
export { codeNode, createCodeNode, sharedSandboxPool, type CodeNodeOptions } from './code-node.js';
export { codeParams, type CodeParams } from './params.js';
export { codeLimits, type CodeLimits } from './limits.js';
