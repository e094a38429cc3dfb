// One MongoDB user per service, with readWrite on its own database and nothing else: a service can
// never read another's collections (DESIGN: each service owns a database). Run by mongosh as root;
// passwords come from the environment. Used by docker-compose and the Kubernetes init Job.
const services = ["feedback", "initiatives", "insights", "notifier", "console"];
for (const service of services) {
  const password = process.env[`${service.toUpperCase()}_MONGO_PASSWORD`];
  if (!password) throw new Error(`${service.toUpperCase()}_MONGO_PASSWORD is not set`);
  const database = db.getSiblingDB(`terrain_${service}`);
  const roles = [{role: "readWrite", db: `terrain_${service}`}];
  if (database.getUser(service)) {
    database.updateUser(service, {pwd: password, roles});
  } else {
    database.createUser({user: service, pwd: password, roles});
  }
  print(`user ${service}: readWrite on terrain_${service}`);
}
