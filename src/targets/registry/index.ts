export { Registries, type RegistriesOptions, type RegistryStats } from './registries';
export type { RegistryOptions } from './options';
export { RegistryTarget } from './repository';
export { RegistryCatalog } from './catalog';
export type { Catalog } from '../target';
