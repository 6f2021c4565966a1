export { Layouts } from './layouts';
export { LayoutTarget } from './layout-target';
