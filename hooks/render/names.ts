export const peersConfigMapName = (node: string): string => `${node}-peers`;
export const coreConfigMapName = (node: string): string => `${node}-config`;
export const DATA_VOLUME_CLAIM = "data";
