import { initAll } from "../vendor/nhsuk/nhsuk-frontend-10.6.1.min.js";

initAll();
