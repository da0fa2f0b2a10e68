/** Confidential-VM evidence (docs/cvm.md). */
export * from './snp/index.js'
