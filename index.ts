// The Pulumi program: the stack's config names one tenant spec; everything else comes from it.
import { tenantStack } from "./program";

export const { provisioning } = tenantStack();
