// Auto-tap on real torch exports (architecture-cases.ts): the 'inverted-residual', 'transformer' families.
import { describeFamilies } from './architecture-cases.ts';

describeFamilies(['inverted-residual', 'transformer']);
